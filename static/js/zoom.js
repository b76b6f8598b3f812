/* zoom-xblock: shows times in the learner's own time zone. */
function ZoomXBlock(runtime, element, options) {
    'use strict';
    var root = element.querySelector ? element : element[0];
    var gettext = window.gettext || function (s) { return s; };
    root.querySelectorAll('time.zoom-start').forEach(function (node) {
        var start = new Date(node.getAttribute('datetime'));
        if (isNaN(start.getTime())) { return; }
        var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        var formatted = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
            dateStyle: 'full', timeStyle: 'short', timeZone: zone
        }).format(start);
        node.textContent = formatted + ' (' + zone + ')';
        node.setAttribute('title', gettext('Shown in your time zone'));
    });
    return {};
}
