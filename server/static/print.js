/* "Print" buttons (inline handlers are not allowed by the Content-Security-Policy). */
(function () {
  "use strict";
  var buttons = document.querySelectorAll(".js-print");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () { window.print(); });
  }
}());
