"""The admin area behind `EXPORTWATCH_ADMIN_TOKEN`: sources and their health, the source
editor, run history, subscribers and the outbox. Include `router` in the app.
"""

from fastapi import APIRouter

from exportwatch.web.admin import auth, outbox, runs, source_editor, sources, subscribers

__all__ = ["router"]

router = APIRouter()
for _part in (auth, sources, source_editor, runs, subscribers, outbox):
    router.include_router(_part.router)
