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

  // The drawing keeps its size: text drawn smaller than the spec says would be hard to read.
  // A chart laid out for narrower pages has a spec for each layout (data-layouts: drawing
  // width and spec id, narrowest first); the widest that fits the room is drawn, or else the
  // narrowest, which then scrolls inside its box.
  function chosenSpecId(container) {
    var id = container.getAttribute('data-spec-id');
    var layouts = JSON.parse(container.getAttribute('data-layouts') || '[]');
    var room = container.clientWidth;
    if (!layouts.length || room >= parseFloat(container.getAttribute('data-width'))) return id;
    var chosen = layouts[0][1];
    layouts.forEach(function (layout) { if (layout[0] <= room) chosen = layout[1]; });
    return chosen;
  }

  // A page's spec and data come from scripts the page and its embed page share: the spec
  // from chartspecSpecs, each url's data from chartspecData (keyed by the url). A report
  // carries its spec in a JSON block instead.
  function specFor(id) {
    var specs = window.chartspecSpecs || {};
    if (Object.prototype.hasOwnProperty.call(specs, id)) return withData(specs[id]);
    return readJson(id);
  }

  function withData(node) {
    var data = window.chartspecData || {};
    if (Array.isArray(node)) return node.map(withData);
    if (!isObject(node)) return node;
    var out = {};
    for (var key in node) {
      if (Object.prototype.hasOwnProperty.call(node, key)) out[key] = withData(node[key]);
    }
    if (typeof out.url === 'string' && Object.prototype.hasOwnProperty.call(data, out.url)) {
      out.values = unpacked(data[out.url]);
      delete out.url;
    }
    return out;
  }

  // A data script holds records that share their keys as columns and rows of cells.
  function unpacked(packed) {
    if (!packed.columns) return packed.values;
    return packed.rows.map(function (row) {
      var record = {};
      packed.columns.forEach(function (column, i) { record[column] = row[i]; });
      return record;
    });
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

  // The spec as the dark theme draws it: the dark config merged over its own, then the colours
  // too dark for the dark page set to lighter ones at their paths (chartspec.themes).
  function inDarkTheme(spec, theme) {
    var out = merge(spec, {config: merge(spec.config || {}, theme.config)});
    (theme.colours || []).forEach(function (change) {
      var path = change[0];
      var node = out;
      for (var i = 0; i < path.length - 1; i++) {
        node[path[i]] = Array.isArray(node[path[i]]) ? node[path[i]].slice() : merge(node[path[i]], {});
        node = node[path[i]];
      }
      node[path[path.length - 1]] = change[1];
    });
    return out;
  }

  // Vega names a mark to screen readers from its items' descriptions; a mark whose items have
  // none (an interval brush, a rule at a constant) would be an image without a name. It is
  // decoration: hidden from assistive technology, now and when Vega adds such marks later.
  var UNNAMED = '[role="graphics-symbol"]:not([aria-label]), [role="img"]:not([aria-label])';

  function hideUnnamedMarks(svg) {
    var hide = function () {
      Array.prototype.forEach.call(svg.querySelectorAll(UNNAMED), function (el) {
        el.removeAttribute('role');
        el.removeAttribute('aria-roledescription');
        el.setAttribute('aria-hidden', 'true');
      });
    };
    hide();
    if (window.MutationObserver) {
      new MutationObserver(hide).observe(svg, {subtree: true, childList: true, attributeFilter: ['role']});
    }
  }

  var views = {};

  function render(container, spec, darkTheme) {
    // Relative urls (images) resolve against the spec's own folder, copied into the site.
    var baseURL = container.getAttribute('data-files-url') || '';
    var dark = !!(darkQuery && darkQuery.matches && darkTheme);
    var own = withoutEmbedOptions(spec);
    var theSpec = dark ? inDarkTheme(own, darkTheme) : own;
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
        loader: {baseURL: baseURL},
        tooltip: {disableDefaultStyle: true, theme: dark ? 'dark' : 'light', baseURL: baseURL},
      })
      .then(function (result) {
        if (views[container.id]) views[container.id].finalize();
        views[container.id] = result.view;
        var svg = target.querySelector('svg');
        if (svg) {
          svg.classList.add('chart-svg');
          hideUnnamedMarks(svg);
        }
        container.replaceChildren(target);
        container.classList.add('is-live');
        container.classList.toggle('is-dark', dark);
      })
      .catch(function (err) {
        // The pre-rendered SVG stays in place; say why the live chart is missing.
        console.error('chartspec: could not draw ' + container.id + ': ' + err);
      });
  }

  // Draw every chart, or with `changed` only those whose layout the room no longer fits.
  function renderAll(changed) {
    if (!lib || !lib.vegaEmbed) {
      console.error('chartspec: chartspec-vega.min.js did not load');
      return;
    }
    var darkTheme = readJson('chartspec-dark-theme');
    var containers = document.querySelectorAll('[data-spec-id]');
    Array.prototype.forEach.call(containers, function (container) {
      var id = chosenSpecId(container);
      if (changed === true && container.getAttribute('data-shown') === id) return;
      container.setAttribute('data-shown', id);
      var spec = specFor(id);
      if (spec) render(container, spec, darkTheme);
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
    if (darkQuery && darkQuery.addEventListener) {
      darkQuery.addEventListener('change', function () { renderAll(); });
    }
    var pending = null;
    window.addEventListener('resize', function () {
      clearTimeout(pending);
      pending = setTimeout(function () { renderAll(true); }, 150);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
