/* chartspec page loader: replaces each pre-rendered chart with a live Vega view.
 * Runs under a strict CSP: no eval (expression interpreter), no injected <style> elements
 * (vega-embed's and vega-tooltip's CSS ship in chartspec-vega.css), no inline styles. */
(function () {
  'use strict';

  var lib = window.chartspecVega;
  var darkQuery = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function isObject(x) {
    return x !== null && typeof x === 'object' && !Array.isArray(x);
  }

  // Deep-merge `over` into a copy of `base`; the same rule as chartspec.drawings._merge.
  function merge(base, over) {
    var out = {};
    var key;
    for (key in base) if (Object.prototype.hasOwnProperty.call(base, key)) out[key] = base[key];
    for (key in over) {
      if (!Object.prototype.hasOwnProperty.call(over, key)) continue;
      out[key] = isObject(over[key]) && isObject(out[key]) ? merge(out[key], over[key]) : over[key];
    }
    return out;
  }

  // Let the drawing scale with its container: label positions were computed for the spec's
  // fixed size, so the whole picture shrinks or grows instead of being laid out again.
  function fitSvg(root) {
    var svg = root.querySelector('svg');
    if (!svg) return;
    var w = parseFloat(svg.getAttribute('width'));
    var h = parseFloat(svg.getAttribute('height'));
    if (!svg.getAttribute('viewBox') && w > 0 && h > 0) {
      svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    }
    svg.setAttribute('width', '100%');
    svg.removeAttribute('height');
    svg.classList.add('chart-svg');
  }

  // vega-embed merges a spec's usermeta.embedOptions over the options given here (actions,
  // loader, ast, ...). The page decides how charts are embedded: specs are not trusted, so
  // those options are dropped; what a spec may set (padding, autosize, config) it sets itself.
  function withoutEmbedOptions(spec) {
    if (!isObject(spec.usermeta) || !('embedOptions' in spec.usermeta)) return spec;
    var out = merge(spec, {});
    out.usermeta = merge(spec.usermeta, {});
    delete out.usermeta.embedOptions;
    return out;
  }

  var views = {};

  function render(container, spec, darkConfig) {
    var dark = !!(darkQuery && darkQuery.matches && darkConfig);
    var own = withoutEmbedOptions(spec);
    var theSpec = dark ? merge(own, {config: merge(own.config || {}, darkConfig)}) : own;
    var target = document.createElement('div');
    target.className = 'live';
    return lib
      .vegaEmbed(target, theSpec, {
        mode: 'vega-lite',
        renderer: 'svg',
        actions: false,
        ast: true,
        expr: lib.expressionInterpreter,
        defaultStyle: false,
        tooltip: {disableDefaultStyle: true, theme: dark ? 'dark' : 'light'},
      })
      .then(function (result) {
        if (views[container.id]) views[container.id].finalize();
        views[container.id] = result.view;
        fitSvg(target);
        container.replaceChildren(target);
        container.classList.add('is-live');
        container.classList.toggle('is-dark', dark);
      })
      .catch(function (err) {
        // The pre-rendered SVG stays in place; say why the live chart is missing.
        console.error('chartspec: could not draw ' + container.id + ': ' + err);
      });
  }

  function renderAll() {
    if (!lib || !lib.vegaEmbed) {
      console.error('chartspec: chartspec-vega.min.js did not load');
      return;
    }
    var darkConfig = readJson('chartspec-dark-config');
    var blocks = document.querySelectorAll('script.chartspec-spec[type="application/json"]');
    Array.prototype.forEach.call(blocks, function (block) {
      var container = document.querySelector('[data-spec-id="' + block.id + '"]');
      if (!container) return;
      render(container, JSON.parse(block.textContent), darkConfig);
    });
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll('button[data-copy-target]');
    Array.prototype.forEach.call(buttons, function (button) {
      var source = document.getElementById(button.getAttribute('data-copy-target'));
      if (!source) return;
      button.hidden = false;
      button.addEventListener('click', function () {
        var done = function () { button.textContent = 'Copied'; };
        var select = function () {
          var range = document.createRange();
          range.selectNodeContents(source);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          button.textContent = 'Selected: press Ctrl+C';
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.textContent).then(done, select);
        } else {
          select();
        }
      });
    });
  }

  // Vega measures text when it lays a chart out, so the bundled font must be loaded first.
  function fontsReady() {
    var family = getComputedStyle(document.documentElement).getPropertyValue('--chart-font').trim();
    if (!family || !document.fonts || !document.fonts.load) return Promise.resolve();
    return Promise.all([
      document.fonts.load('400 12px ' + family),
      document.fonts.load('700 12px ' + family),
    ]).catch(function () { /* draw with a fallback font rather than not at all */ });
  }

  function start() {
    fontsReady().then(renderAll);
    setUpCopyButtons();
    if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener('change', renderAll);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
