// Comptoir portal: small progressive enhancements. Every form works without it.
(function () {
  "use strict";

  // Language switch submits on change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Toasts float over the top bar: they must never take the clicks meant for
  // the menu under them, neither while shown nor once faded.
  document.querySelectorAll(".toasts").forEach(function (box) { box.style.pointerEvents = "none"; });

  // Toasts fade after a while (they stay in the page for screen readers).
  document.querySelectorAll(".toast").forEach(function (toast) {
    setTimeout(function () { toast.style.opacity = "0.0"; toast.style.pointerEvents = "none"; }, 8000);
  });

  // Rich text: a contenteditable area kept in sync with the textarea, so a
  // failed submit re-renders exactly what was typed (pasted images included).
  function readAsDataURL(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  // Lines typed in the editor become paragraphs, as in the stored messages.
  try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older browsers */ }

  document.querySelectorAll("textarea[data-rich]").forEach(function (textarea) {
    var form = textarea.form;
    var format = form.querySelector("input[name=body_format]");
    var label = form.querySelector("label[for='" + textarea.id + "']");
    var editor = document.createElement("div");
    editor.className = "editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) {
      if (!label.id) { label.id = textarea.id + "_label"; }
      editor.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { editor.focus(); });
    }
    var described = textarea.getAttribute("aria-describedby");
    if (described) { editor.setAttribute("aria-describedby", described); }
    if (format && format.value === "html") {
      editor.innerHTML = textarea.value;
    } else if (textarea.value) {
      editor.textContent = textarea.value;
    }
    var toolbar = document.createElement("div");
    toolbar.className = "editor-toolbar";
    toolbar.setAttribute("role", "toolbar");
    [["bold", "B", textarea.dataset.boldLabel || "Bold"],
     ["italic", "I", textarea.dataset.italicLabel || "Italic"],
     ["insertUnorderedList", "•", textarea.dataset.listLabel || "List"]].forEach(function (cmd) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = cmd[1];
      button.setAttribute("aria-label", cmd[2]);
      button.addEventListener("click", function () { document.execCommand(cmd[0]); editor.focus(); sync(); });
      toolbar.appendChild(button);
    });
    function sync() {
      textarea.value = editor.innerHTML;
      if (format) { format.value = "html"; }
    }
    function insertImages(files) {
      files.forEach(function (file) {
        readAsDataURL(file).then(function (url) {
          editor.focus();
          document.execCommand("insertHTML", false, '<img src="' + url + '" alt="' + (file.name || "image").replace(/"/g, "") + '">');
          sync();
        });
      });
    }
    editor.addEventListener("input", sync);
    editor.addEventListener("paste", function (event) {
      var items = Array.from((event.clipboardData && event.clipboardData.files) || []);
      var images = items.filter(function (f) { return /^image\//.test(f.type); });
      if (images.length) { event.preventDefault(); insertImages(images); }
    });
    editor.addEventListener("drop", function (event) {
      var images = Array.from(event.dataTransfer.files || []).filter(function (f) { return /^image\//.test(f.type); });
      if (images.length) { event.preventDefault(); insertImages(images); }
    });
    form.addEventListener("submit", sync);
    textarea.hidden = true;
    textarea.removeAttribute("required");
    textarea.after(toolbar, editor);
    if (textarea.getAttribute("aria-invalid") === "true") { editor.setAttribute("aria-invalid", "true"); }
  });

  // Themes: chips with a remove button and an autocomplete input, backed by
  // the real <select multiple> that the form submits.
  document.querySelectorAll("[data-chips]").forEach(function (wrapper) {
    var select = wrapper.querySelector("select[multiple]");
    if (!select) { return; }
    var labelEl = wrapper.querySelector("label");
    var chips = document.createElement("ul");
    chips.className = "chips";
    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id + "_search";
    input.setAttribute("list", select.id + "_options");
    input.setAttribute("autocomplete", "off");
    var help = wrapper.querySelector(".help");
    if (help) { input.setAttribute("aria-describedby", help.id); }
    var datalist = document.createElement("datalist");
    datalist.id = select.id + "_options";
    var removeLabel = wrapper.dataset.removeLabel || "Remove";
    function render() {
      chips.innerHTML = "";
      datalist.innerHTML = "";
      Array.from(select.options).forEach(function (option) {
        if (option.selected) {
          var li = document.createElement("li");
          li.textContent = option.text;
          var button = document.createElement("button");
          button.type = "button";
          button.innerHTML = "&#128465;";
          button.setAttribute("aria-label", removeLabel + " " + option.text);
          button.addEventListener("click", function () { option.selected = false; render(); input.focus(); });
          li.appendChild(button);
          chips.appendChild(li);
        } else {
          var item = document.createElement("option");
          item.value = option.text;
          datalist.appendChild(item);
        }
      });
    }
    function pick() {
      var wanted = input.value.trim().toLowerCase();
      var match = Array.from(select.options).find(function (o) { return o.text.toLowerCase() === wanted; });
      if (match) { match.selected = true; input.value = ""; render(); }
    }
    input.addEventListener("change", pick);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); pick(); }
    });
    select.hidden = true;
    if (labelEl) { labelEl.setAttribute("for", input.id); }
    select.after(chips, input, datalist);
    render();
  });

  // Custom fields that apply to some ticket types only.
  var typeSelect = document.querySelector("select[name=type]");
  function applyTypes() {
    var chosen = typeSelect ? typeSelect.value : "";
    document.querySelectorAll("[data-custom-types]").forEach(function (block) {
      var types = block.dataset.customTypes ? block.dataset.customTypes.split(",") : [];
      block.hidden = types.length > 0 && types.indexOf(chosen) === -1;
    });
  }
  if (typeSelect) { typeSelect.addEventListener("change", applyTypes); applyTypes(); }

  // Removing a file that was already uploaded on a previous try.
  document.querySelectorAll("[data-remove-pending]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var field = form.querySelector("input[name=pending]");
      var key = button.dataset.removePending;
      field.value = field.value.split(",").filter(function (k) { return k && k !== key; }).join(",");
      button.closest("li").remove();
    });
  });
})();
