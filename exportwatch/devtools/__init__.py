"""Developer tools: real local services for tests and development.

The public API lives in the tool's own module (``exportwatch.devtools.elasticsearch``). This
package imports nothing, so ``python -m exportwatch.devtools.elasticsearch`` runs cleanly.
"""

__all__: list[str] = []
