// Progressive enhancement of the subscription form's pick lists (fieldset[data-pick]):
// a type-to-filter box and removable chips for what is ticked. The checkboxes stay the
// form's values, so the form works the same without this script.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function labelText(box) {
    return box.closest("label").textContent.trim();
  }

  function enhance(fieldset, index) {
    var options = fieldset.querySelector(".pick-options");
    var boxes = Array.prototype.slice.call(options.querySelectorAll("input[type=checkbox]"));
    var what = fieldset.getAttribute("data-pick");
    var id = "pick-filter-" + index;

    var filter = document.createElement("div");
    filter.className = "pick-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Filter " + what.toLowerCase();
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", options.id = options.id || "pick-options-" + index);
    filter.appendChild(label);
    filter.appendChild(input);

    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", what + " chosen");

    options.parentNode.insertBefore(filter, options);
    options.parentNode.insertBefore(chips, options);

    function drawChips() {
      chips.textContent = "";
      boxes.forEach(function (box) {
        if (!box.checked) { return; }
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = labelText(box) + " \u00d7";
        button.setAttribute("aria-label", "Remove " + labelText(box));
        button.addEventListener("click", function () {
          box.checked = false;
          drawChips();
          input.focus();
        });
        item.appendChild(button);
        chips.appendChild(item);
      });
    }

    function applyFilter() {
      var wanted = fold(input.value);
      Array.prototype.forEach.call(options.querySelectorAll(".pick-group"), function (group) {
        var shown = 0;
        Array.prototype.forEach.call(group.querySelectorAll("label"), function (row) {
          var box = row.querySelector("input");
          var match = !wanted || fold(row.textContent).indexOf(wanted) !== -1 ||
            fold(box.value).indexOf(wanted) !== -1;
          row.hidden = !match;
          shown += match ? 1 : 0;
        });
        group.hidden = shown === 0;
      });
    }

    input.addEventListener("input", applyFilter);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // do not submit the form
    });
    options.addEventListener("change", drawChips);
    drawChips();
  }

  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-pick]"), enhance);

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }  // a re-shown form starts at its list of problems
})();
