// Small behaviours without third-party code: PDF preview beside the registration form, add routing rows.
(function () {
  const input = document.querySelector('input[type=file][name=files]');
  const frame = document.getElementById('preview');
  if (input && frame) {
    input.addEventListener('change', function () {
      const file = input.files && input.files[0];
      if (file && file.type === 'application/pdf') { frame.src = URL.createObjectURL(file); frame.hidden = false; }
    });
  }
  // "Dự thảo mới": show the template fields or the file input, as the drafter chose
  const sources = document.querySelectorAll('input[name=source]');
  if (sources.length) {
    const show = function () {
      const checked = document.querySelector('input[name=source]:checked');
      const mode = checked ? checked.value : 'template';
      document.querySelectorAll('[data-source]').forEach(function (el) { el.hidden = el.dataset.source !== mode; });
    };
    sources.forEach(function (el) { el.addEventListener('change', show); });
    show();
  }
  const addRow = document.getElementById('add-row');
  if (addRow) {
    addRow.addEventListener('click', function () {
      const rows = document.getElementById('assign-rows');
      const template = rows.querySelector('.assign-row');
      const count = document.getElementById('rows');
      const index = parseInt(count.value, 10);
      const clone = template.cloneNode(true);
      clone.querySelectorAll('select, input').forEach(function (el) {
        el.name = el.name.replace(/_\d+$/, '_' + index);
        if (el.tagName === 'INPUT') { el.value = ''; }
        if (el.name.startsWith('role_')) { el.value = 'support'; }
      });
      rows.appendChild(clone);
      count.value = index + 1;
    });
  }
})();
