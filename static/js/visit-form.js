// Form enhancement for the visit form: show only the handling fields that apply.
// Without JavaScript every field shows, and the server checks the same rules.
const form = document.getElementById('visit-form');

function showWhen(selector, visible) {
  for (const el of form.querySelectorAll(selector)) {
    el.hidden = !visible && !el.classList.contains('has-error');
  }
}

function refresh() {
  const direction = form.elements.direction.value;
  const kinds = [...form.querySelectorAll('input[name="kinds"]:checked')].map((el) => el.value);
  showWhen('.when-forward', direction === 'chuyen_don' || direction === 'don_doc');
  showWhen('.when-guide', direction === 'huong_dan');
  showWhen('.when-refuse', direction === 'tu_choi');
  showWhen('.when-denunciation, [data-show-when="to_cao"]', kinds.includes('to_cao'));
}

if (form) {
  form.addEventListener('change', refresh);
  refresh();
}
