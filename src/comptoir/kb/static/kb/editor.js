// Article editor: images pasted, dropped or chosen are uploaded to the knowledge
// base's storage and inserted by URL (never kept inline as base64).
const box = document.querySelector(".kb-image-upload");
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
let editor = null;

async function upload(file) {
  const data = new FormData();
  data.append("file", file, file.name || "image.png");
  const response = await fetch(box.dataset.uploadUrl, {
    method: "POST",
    body: data,
    headers: { "X-CSRFToken": csrf ? csrf.value : "" },
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.url) { throw new Error(answer.error || box.dataset.errorLabel); }
  return answer;
}

async function insert(files) {
  for (const file of files) {
    try {
      const { url, alt } = await upload(file);
      if (editor) {
        editor.chain().focus().setImage({ src: url, alt }).run();
      } else {
        const textarea = document.querySelector("textarea[data-kb-editor]");
        textarea.value += `\n<p><img src="${url}" alt=""></p>`;
      }
    } catch (error) {
      window.alert(error.message || box.dataset.errorLabel);
    }
  }
}

function images(list) {
  return Array.from(list || []).filter((file) => /^image\//.test(file.type));
}

if (box) {
  const picker = box.querySelector("input[type=file]");
  picker.addEventListener("change", () => { insert(images(picker.files)); picker.value = ""; });
  document.addEventListener("prose-editor:ready", (event) => {
    editor = event.detail.editor;
    const surface = editor.view.dom;
    // Capture phase: handled before ProseMirror would inline the image as data.
    surface.addEventListener("paste", (e) => {
      const found = images(e.clipboardData && e.clipboardData.files);
      if (found.length) { e.preventDefault(); e.stopPropagation(); insert(found); }
    }, true);
    surface.addEventListener("drop", (e) => {
      const found = images(e.dataTransfer && e.dataTransfer.files);
      if (found.length) { e.preventDefault(); e.stopPropagation(); insert(found); }
    }, true);
  });
}
