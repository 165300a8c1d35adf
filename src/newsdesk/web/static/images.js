// A picture that cannot be shown (the outlet is unreachable or the image proxy refused it) is
// hidden instead of leaving an empty box. Loaded in <head>, before any <img>, so that errors
// of pictures that fail early are seen too (error events do not bubble: capture them).
document.addEventListener(
  "error",
  (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement)) return;
    const box = img.closest(".lead-image") || (img.classList.contains("thumb") ? img : null);
    if (box) box.hidden = true;
  },
  true,
);
