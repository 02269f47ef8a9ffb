// Over plain HTTP on a LAN address the browser gives no service worker, no IndexedDB
// guarantees and no crypto.randomUUID: nothing could be saved offline. Say so, instead of
// failing silently; the forms still post to the server without JavaScript's help.
const banner = document.getElementById('insecure-banner');
if (banner && !window.isSecureContext) {
  banner.hidden = false;
  // The offline forms cannot work here: let them post to the server like the no-JS path.
  document.documentElement.dataset.insecure = '1';
}
