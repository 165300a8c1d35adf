// A picture that cannot be shown (the outlet is unreachable or the image proxy refused it) is
// hidden instead of leaving an empty box, or a broken-picture icon in an article's text (a
// feed's teaser that opens with the outlet's picture). Loaded in <head>, before any <img>, so
// that errors of pictures that fail early are seen too (error events do not bubble: capture).
document.addEventListener(
  "error",
  (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement)) return;
    const inText = img.closest(".story-body");
    const box =
      img.closest(".lead-image") ||
      (inText && img.closest("figure")) ||
      (img.classList.contains("thumb") || inText ? img : null);
    if (box) box.hidden = true;
  },
  true,
);
