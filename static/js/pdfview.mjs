// The document page's PDF viewer. Desktops use the browser's own viewer in the frame; phones, where
// many browsers cannot show a PDF inside a page (Android Chrome downloads it), get the pages drawn
// with pdf.js, installed from the npm registry (no CDN). A viewer swapped in by HTMX (the draft page
// polls until the PDF of a version is made) is shown the same way.
import * as pdfjsLib from "../vendor/pdfjs/pdf.min.mjs";

async function show(frame) {
  if (frame.dataset.shown) return;
  frame.dataset.shown = "1";
  const url = frame.dataset.src;
  if (!window.matchMedia("(max-width: 767.98px)").matches) {
    frame.src = url;
    return;
  }
  pdfjsLib.GlobalWorkerOptions.workerSrc = frame.dataset.worker;
  const box = document.createElement("div");
  box.className = "pdf-pages";
  box.setAttribute("role", "document");
  box.setAttribute("aria-label", frame.title);
  frame.replaceWith(box);
  try {
    const pdf = await pdfjsLib.getDocument({ url }).promise;
    const ratio = window.devicePixelRatio || 1;
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const page = await pdf.getPage(number);
      const natural = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: (box.clientWidth / natural.width) * ratio });
      const canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      box.appendChild(canvas);
      await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport }).promise;
    }
  } catch (error) {
    box.innerHTML = "";
    const link = document.createElement("a");
    link.href = url;
    link.textContent = "Không hiển thị được văn bản trên màn hình này — bấm để mở tệp.";
    box.appendChild(link);
  }
}

function showAll(root) {
  root.querySelectorAll("iframe.pdf-frame[data-src]").forEach((frame) => show(frame));
}

showAll(document);
document.body.addEventListener("htmx:load", (event) => showAll(event.detail.elt.parentElement || document));
