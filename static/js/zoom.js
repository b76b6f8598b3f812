/* zoom-xblock: the learner view.
 *
 * - Shows every time in the learner's own time zone, naming the zone.
 * - Keeps the countdown up to date, and refreshes the state (from the learner_status handler)
 *   when Join opens and every minute (every few seconds while "Registering you…" shows), so
 *   that "Join is open", "Live now", "Ended" and "You are registered" appear without a reload;
 *   each change is announced to screen readers (role="status").
 * - Asks before a Start far from the session's start (a link with data-confirm).
 * Works without jQuery. Strings come from the block's own catalog (window.ZoomXBlockI18N),
 * then the page's gettext, then English.
 */
function ZoomXBlock(runtime, element, options) {
    'use strict';
    var root = element && element.jquery ? element[0] : element;
    options = options || {};
    var words = window.ZoomXBlockText(options.language);  // static/js/i18n.js
    var gettext = words.gettext;
    var ngettext = words.ngettext;
    var interpolate = words.interpolate;
    var language = options.language || document.documentElement.lang || undefined;
    var REFRESH_EVERY_MS = 60 * 1000;
    var REGISTERING_REFRESH_MS = 3 * 1000;
    var refreshTimer = null;

    function browserZone() {
        try {
            return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
        } catch (error) {
            return 'UTC';
        }
    }

    // The learner's LMS time-zone preference (the platform's user_preferences) comes before
    // the browser's zone; a zone this browser does not know falls back to the browser's.
    function learnerZone() {
        if (options.time_zone) {
            try {
                new Intl.DateTimeFormat(undefined, {timeZone: options.time_zone});
                return options.time_zone;
            } catch (error) { /* unknown here: use the browser's */ }
        }
        return browserZone();
    }

    // data-format: "time" (HH:MM), "short" (a short date and the time), else the full date.
    function formatLocal(date, format) {
        var zone = learnerZone();
        var text;
        var style = format === 'time' ? {timeStyle: 'short'} :
            format === 'short' ? {dateStyle: 'medium', timeStyle: 'short'} :
            {dateStyle: 'full', timeStyle: 'short'};
        style.timeZone = zone;
        try {
            text = new Intl.DateTimeFormat(language, style).format(date);
        } catch (error) {
            text = date.toString();
        }
        return text + ' (' + zone + ')';
    }

    function localizeTimes(scope) {
        scope.querySelectorAll('time.zoom-local').forEach(function (node) {
            var moment = new Date(node.getAttribute('datetime'));
            if (isNaN(moment.getTime())) { return; }
            node.textContent = formatLocal(moment, node.getAttribute('data-format'));
            node.setAttribute('title', gettext('Shown in your time zone'));
        });
    }

    function countdownText(milliseconds) {
        var total = Math.max(1, Math.ceil(milliseconds / 60000));
        var days = Math.floor(total / 1440);
        var hours = Math.floor((total % 1440) / 60);
        var minutes = total % 60;
        var amount;
        var dayText = interpolate(ngettext('{count} day', '{count} days', days), {count: days});
        var hourText = interpolate(ngettext('{count} hour', '{count} hours', hours), {count: hours});
        var minuteText = interpolate(ngettext('{count} minute', '{count} minutes', minutes),
                                     {count: minutes});
        if (days) {
            amount = hours ? interpolate(gettext('{days}, {hours}'), {days: dayText, hours: hourText})
                : dayText;
        } else if (hours) {
            amount = minutes ? interpolate(gettext('{hours}, {minutes}'), {
                hours: hourText, minutes: minuteText}) : hourText;
        } else {
            amount = minuteText;
        }
        return interpolate(gettext('Starts in {time}'), {time: amount});
    }

    function updateCountdowns() {
        root.querySelectorAll('.zoom-countdown').forEach(function (node) {
            var target = new Date(node.getAttribute('data-target'));
            if (!isNaN(target.getTime())) { node.textContent = countdownText(target - Date.now()); }
        });
    }

    function announce(text) {
        var announcer = root.querySelector('.zoom-announcer');
        if (announcer && text) {
            announcer.textContent = '';
            window.setTimeout(function () { announcer.textContent = text; }, 50);
        }
    }

    function currentPhase() {
        var state = root.querySelector('.zoom-state');
        return state ? state.getAttribute('data-phase') : '';
    }

    function registering() {
        return Boolean(root.querySelector('.zoom-state[data-registering="true"]'));
    }

    var registeringTimer = null;
    function watchRegistering() {
        if (registeringTimer) { window.clearTimeout(registeringTimer); registeringTimer = null; }
        if (registering()) { registeringTimer = window.setTimeout(refresh, REGISTERING_REFRESH_MS); }
    }

    root.addEventListener('click', function (event) {
        var link = event.target.closest ? event.target.closest('a[data-confirm]') : null;
        if (link && root.contains(link) && !window.confirm(link.getAttribute('data-confirm'))) {
            event.preventDefault();
        }
    });

    function refresh() {
        if (!options.status_url || !window.fetch) { return; }
        var token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || '';
        window.fetch(options.status_url, {
            method: 'POST', credentials: 'same-origin', body: '{}',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': decodeURIComponent(token)}
        }).then(function (response) {
            return response.ok ? response.json() : null;
        }).then(function (data) {
            var container = root.querySelector('.zoom-learner');
            var wasRegistering = registering();
            if (!data || !container) { return; }
            if (data.phase === currentPhase() && !wasRegistering) { return; }
            if (data.phase === currentPhase() && data.registering) {
                watchRegistering();  // still with the worker: look again in a moment
                return;
            }
            var focused = container.contains(document.activeElement);
            container.innerHTML = data.html;
            container.setAttribute('data-phase', data.phase);
            localizeTimes(container);
            updateCountdowns();
            scheduleOpening();
            watchRegistering();
            var headline = container.querySelector('.zoom-headline');
            announce(headline ? headline.textContent.trim() : '');
            if (focused) {
                var target = container.querySelector('a, summary, button');
                if (target) { target.focus(); }
            }
        }).catch(function () { /* offline: try again at the next tick */ });
    }

    function scheduleOpening() {
        var state = root.querySelector('.zoom-state[data-opens-at]');
        if (refreshTimer) { window.clearTimeout(refreshTimer); refreshTimer = null; }
        if (!state || currentPhase() !== 'upcoming') { return; }
        var wait = new Date(state.getAttribute('data-opens-at')) - Date.now();
        if (wait > 0 && wait < 24 * 3600 * 1000) {
            refreshTimer = window.setTimeout(refresh, wait + 1000);
        }
    }

    localizeTimes(root);
    if (options.view !== 'author' && root.querySelector('.zoom-learner')) {
        updateCountdowns();
        scheduleOpening();
        watchRegistering();
        window.setInterval(function () {
            updateCountdowns();
            if (!document.hidden) { refresh(); }
        }, REFRESH_EVERY_MS);
    }
    return {refresh: refresh};
}
