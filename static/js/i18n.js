/* zoom-xblock: registers a language's messages as window.ZoomXBlockI18N (gettext, ngettext).
 * The generated catalogs in js/translations/ call it with their messages and plural rule. */
window.ZoomXBlockRegisterCatalog = window.ZoomXBlockRegisterCatalog || function (language,
                                                                                 messages,
                                                                                 plural) {
    'use strict';
    var global = window;
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
