// The preview page's stand-in for a shop's own page script: the documented Frontdesk(...) stub
// (docs/widget.md) and the order the sample page shows, passed as the chat's context.
(function () {
  "use strict";
  var data = document.currentScript.dataset;
  window.Frontdesk = window.Frontdesk || function () {
    (window.Frontdesk.q = window.Frontdesk.q || []).push(arguments);
  };
  window.Frontdesk("context", { order_number: data.orderNumber, order_status: data.orderStatus });
})();
