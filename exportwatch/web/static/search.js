// Progressive enhancement only: open the filter and facet panels on wide screens, where they
// have room; on phones they stay collapsed until tapped. The page works without this file.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 48em)");
  function apply() {
    ["filters", "facets"].forEach(function (id) {
      var panel = document.getElementById(id);
      if (panel && wide.matches) { panel.open = true; }
    });
  }
  apply();
  wide.addEventListener("change", apply);
})();
