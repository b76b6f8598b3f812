/* zoom-xblock: the block's words in the browser, one helper for every script.
 *
 * window.ZoomXBlockRegisterCatalog(language, messages, plural): the generated catalogs in
 * js/translations/ register their messages (the block adds the one of the request's language)
 * as window.ZoomXBlockI18N, and define window.gettext/ngettext only where the page has none.
 * window.ZoomXBlockText(language): {gettext, ngettext, interpolate}. A string is looked up in
 * the block's own catalog first (when it is the catalog of `language`, if one is given), then in
 * the page's gettext, then it stays English. interpolate fills {name} placeholders, the syntax
 * of the plugin's Python strings. */
(function (global) {
    'use strict';

    global.ZoomXBlockRegisterCatalog = global.ZoomXBlockRegisterCatalog || function (language,
                                                                                     messages,
                                                                                     plural) {
        var registry = global.ZoomXBlockI18N = global.ZoomXBlockI18N || {};
        var form = function (n) {
            var v = plural(n);
            return typeof v === 'boolean' ? (v ? 1 : 0) : v;
        };
        registry.language = language;
        registry.gettext = function (text) {
            var found = messages[text];
            return typeof found === 'string' && found ? found : text;
        };
        registry.ngettext = function (one, many, count) {
            var found = messages[one];
            if (Array.isArray(found) && found[form(count)]) { return found[form(count)]; }
            return count === 1 ? one : many;
        };
        if (typeof global.gettext !== 'function') { global.gettext = registry.gettext; }
        if (typeof global.ngettext !== 'function') { global.ngettext = registry.ngettext; }
    };

    global.ZoomXBlockText = global.ZoomXBlockText || function (language) {
        function own() {
            var registry = global.ZoomXBlockI18N;
            return registry && typeof registry.gettext === 'function' &&
                (!language || registry.language === language) ? registry : null;
        }

        function gettext(text) {
            var registry = own();
            var found = registry ? registry.gettext(text) : text;
            if (found !== text) { return found; }
            return typeof global.gettext === 'function' ? global.gettext(text) : text;
        }

        function ngettext(one, many, count) {
            var registry = own();
            var english = count === 1 ? one : many;
            var found = registry ? registry.ngettext(one, many, count) : english;
            if (found !== english) { return found; }
            return typeof global.ngettext === 'function' ? global.ngettext(one, many, count) : english;
        }

        function interpolate(text, values) {
            return text.replace(/\{(\w+)\}/g, function (match, name) {
                return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
            });
        }

        return {gettext: gettext, ngettext: ngettext, interpolate: interpolate};
    };
}(window));
