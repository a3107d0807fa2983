// Upload with a progress bar: the form is sent by XMLHttpRequest so the browser can report
// how much of a large file has been sent; the server then redirects to the import's page.
(function () {
  const form = document.querySelector("form[data-upload-progress]");
  if (!form || !window.FormData) return;
  form.addEventListener("submit", function (event) {
    const input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return; // let the server say what is missing
    event.preventDefault();
    const box = document.getElementById("upload-progress");
    const bar = box.querySelector(".progress-bar");
    const note = document.getElementById("upload-note");
    box.classList.remove("d-none");
    note.classList.remove("d-none");
    form.querySelector("button[type=submit]").disabled = true;
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      const percent = Math.round((e.loaded / e.total) * 100);
      bar.style.width = percent + "%";
      bar.textContent = percent + " %";
      if (percent === 100) note.textContent = "Uploaded. Importing…";
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.location.href = request.responseURL;
      } else {
        document.open();
        document.write(request.responseText);
        document.close();
      }
    });
    request.addEventListener("error", function () {
      note.textContent = "The upload failed (network error). Nothing was imported; try again.";
      form.querySelector("button[type=submit]").disabled = false;
    });
    request.send(new FormData(form));
  });
})();
