// Typeset the math Sphinx marks up (\( \) inline, \[ \] display) with KaTeX, which the
// docs build copies from Panel's installed bundle: no network needed to read the pages.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof renderMathInElement !== "function") return;
  renderMathInElement(document.body, {
    delimiters: [
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
    ],
    ignoredClasses: ["highlight", "pre", "code"],
    throwOnError: false,
  });
});
