/* zoom-xblock: the staff section (zoom_xblock/block/staff_panel.py, templates/zoom_xblock/staff_panel.html).
 *
 * Searches, sorts and pages the registrant report through the staff_report handler (one page
 * at a time), dismisses alerts, and runs "Sync now": it asks staff_sync_now to queue a full
 * reconciliation and polls staff_sync_status, which reads the latest sync run, to fill the
 * <progress> bar and the aria-live status until the run's outcome is known. The section
 * initialises itself (the block's own init function belongs to the learner view); handler URLs
 * come from its data-options attribute. No jQuery needed.
 */
(function () {
    'use strict';

    // The block's own catalog first, then the page's, then English (static/js/i18n.js).
    var words = window.ZoomXBlockText();
    var gettext = words.gettext;
    var ngettext = words.ngettext;
    var format = words.interpolate;

    var postJson = window.ZoomXBlockHttp.postJson;

    function failure(result) {
        var body = (result && result.body) || {};
        return body.error || body.message ||
            gettext('The server did not answer. Check your connection and try again.');
    }

    function element(tag, className, text) {
        var node = document.createElement(tag);
        if (className) { node.className = className; }
        if (text !== undefined && text !== null) { node.textContent = text; }
        return node;
    }

    /* The viewer's zone: their LMS time-zone preference when this browser knows it, else the
     * browser's (as static/js/zoom.js shows the learner area). */
    var preferredZone = '';

    function viewerZone() {
        if (preferredZone) {
            try {
                new Intl.DateTimeFormat(undefined, {timeZone: preferredZone});
                return preferredZone;
            } catch (error) { /* unknown here */ }
        }
        return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    }

    /* A time from the server (ISO 8601) in the viewer's own time zone, naming the zone. */
    function localTime(iso, fallback) {
        var node = element('time', 'zoom-local', fallback || '');
        if (!iso) { return node; }
        node.setAttribute('datetime', iso);
        var moment = new Date(iso);
        if (isNaN(moment.getTime())) { return node; }
        try {
            var zone = viewerZone();
            node.textContent = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
                dateStyle: 'medium', timeStyle: 'short', timeZone: zone}).format(moment) +
                ' (' + zone + ')';
        } catch (error) { /* keep the server's text */ }
        return node;
    }

    /* The server's words (escaped there) with their times shown in the viewer's zone. */
    function serverWords(html) {
        var span = element('span', 'zoom-staff-words');
        span.innerHTML = html;
        span.querySelectorAll('time.zoom-local').forEach(function (node) {
            node.textContent = localTime(node.getAttribute('datetime'), node.textContent).textContent;
        });
        return span;
    }

    function StaffSection(root) {
        var options = JSON.parse(root.getAttribute('data-options') || '{}');
        preferredZone = options.timeZone || '';
        var urls = options.urls || {};
        var pollMs = options.pollMs || 1000;
        var initial = options.report || {};
        var state = {search: '', sort: initial.sort || 'name', direction: initial.direction || 'asc',
                     page: initial.page || 1, pages: initial.pages || 1};
        var syncButton = root.querySelector('.zoom-staff-sync');
        var progressBox = root.querySelector('.zoom-staff-progress');
        var progress = root.querySelector('.zoom-staff-progress progress');
        var status = root.querySelector('.zoom-staff-sync-status');
        var lastSync = root.querySelector('.zoom-staff-last-sync');
        var tbody = root.querySelector('.zoom-staff-report tbody');
        var pageStatus = root.querySelector('.zoom-staff-page-status');
        var prev = root.querySelector('.zoom-staff-prev');
        var next = root.querySelector('.zoom-staff-next');
        var searchForm = root.querySelector('.zoom-staff-search');
        var polling = null;
        var waitedMs = 0;

        /* --- Report ------------------------------------------------------------------------ */

        function renderRows(rows) {
            tbody.textContent = '';
            if (!rows.length) {
                var empty = element('tr');
                var cell = element('td', '', state.search ?
                    gettext('No registrant matches this search.') : gettext('No registrant yet.'));
                cell.colSpan = 6;
                empty.appendChild(cell);
                tbody.appendChild(empty);
                return;
            }
            rows.forEach(function (row) {
                var tr = element('tr');
                tr.setAttribute('data-state', row.state);
                tr.appendChild(element('td', '', row.name));
                tr.appendChild(element('td', '', row.email));
                var stateCell = element('td', '', row.state_display);
                if (row.detail) { stateCell.appendChild(element('span', 'zoom-staff-detail', row.detail)); }
                tr.appendChild(stateCell);
                var registered = element('td', '');
                if (row.registered_at) { registered.appendChild(localTime(row.registered_at, row.registered_display)); }
                tr.appendChild(registered);
                tr.appendChild(element('td', '', String(row.attended_minutes)));
                tr.appendChild(element('td', '', row.completed ? gettext('Complete') : gettext('Not complete')));
                tbody.appendChild(tr);
            });
        }

        function renderSortHeaders() {
            root.querySelectorAll('.zoom-staff-report th[data-sort]').forEach(function (th) {
                if (th.getAttribute('data-sort') === state.sort) {
                    th.setAttribute('aria-sort', state.direction === 'desc' ? 'descending' : 'ascending');
                } else {
                    th.removeAttribute('aria-sort');
                }
            });
        }

        function renderPage(page) {
            state.page = page.page;
            state.pages = page.pages;
            renderRows(page.rows || []);
            renderSortHeaders();
            pageStatus.textContent = format(ngettext(
                'Page {page} of {pages} ({total} registrant)',
                'Page {page} of {pages} ({total} registrants)', page.total),
                {page: page.page, pages: page.pages, total: page.total});
            prev.disabled = page.page <= 1;
            next.disabled = page.page >= page.pages;
        }

        function loadReport() {
            root.setAttribute('aria-busy', 'true');
            return postJson(urls.staff_report, {
                search: state.search, sort: state.sort, direction: state.direction, page: state.page
            }).then(function (result) {
                root.removeAttribute('aria-busy');
                if (result.status !== 200) {
                    pageStatus.textContent = failure(result);
                    return;
                }
                renderPage(result.body);
            }, function () {
                root.removeAttribute('aria-busy');
                pageStatus.textContent = failure(null);
            });
        }

        if (searchForm) {
            searchForm.addEventListener('submit', function (event) {
                event.preventDefault();
                state.search = searchForm.querySelector('input[name="search"]').value.trim();
                state.page = 1;
                loadReport();
            });
        }
        root.querySelectorAll('.zoom-staff-sort').forEach(function (button) {
            button.addEventListener('click', function () {
                var key = button.getAttribute('data-sort');
                if (state.sort === key) {
                    state.direction = state.direction === 'asc' ? 'desc' : 'asc';
                } else {
                    state.sort = key;
                    state.direction = 'asc';
                }
                state.page = 1;
                loadReport();
            });
        });
        if (prev) {
            prev.addEventListener('click', function () {
                if (state.page > 1) { state.page -= 1; loadReport(); }
            });
            next.addEventListener('click', function () {
                if (state.page < state.pages) { state.page += 1; loadReport(); }
            });
        }

        /* --- Alerts ------------------------------------------------------------------------ */

        root.querySelectorAll('.zoom-staff-dismiss').forEach(function (button) {
            button.addEventListener('click', function () {
                var id = parseInt(button.getAttribute('data-alert-id'), 10);
                button.disabled = true;
                postJson(urls.staff_dismiss_alert, {alert_id: id}).then(function (result) {
                    if (result.status !== 200) {
                        button.disabled = false;
                        status.textContent = failure(result);
                        return;
                    }
                    var item = button.closest('li');
                    var list = item.parentNode;
                    item.parentNode.removeChild(item);
                    status.textContent = gettext('Alert dismissed.');
                    if (!list.querySelector('li')) {
                        list.appendChild(element('li', 'zoom-staff-none', gettext('Nothing to report.')));
                    } else {
                        var focusable = list.querySelector('.zoom-staff-dismiss');
                        if (focusable) { focusable.focus(); }
                    }
                });
            });
        });

        /* --- Retry (Zoom refused, or is not answering) ------------------------------------ */

        var retry = root.querySelector('.zoom-retry');
        var retryLive = root.querySelector('.zoom-staff-zoom-state .zoom-author-live');
        if (retry && urls.staff_retry_zoom) {
            retry.addEventListener('click', function () {
                retry.disabled = true;
                retryLive.textContent = gettext('Asking Zoom again…');
                postJson(urls.staff_retry_zoom, {}).then(function (result) {
                    var body = result.body || {};
                    if (result.status === 200 && body.result === 'success') {
                        retryLive.textContent = body.state.status_display;
                        retry.hidden = true;
                    } else {
                        retry.disabled = false;
                        retryLive.textContent = failure(result);
                    }
                }, function () {
                    retry.disabled = false;
                    retryLive.textContent = failure(null);
                });
            });
        }

        /* --- Sync now ---------------------------------------------------------------------- */

        function showProgress(run) {
            progressBox.hidden = false;
            var total = Math.max(run.total || 0, 0);
            var done = Math.min(run.done || 0, total);
            if (run.finished) {
                progress.max = Math.max(total, 1);
                progress.value = progress.max;
            } else {
                progress.max = Math.max(total, 1);
                progress.value = done;
            }
            progress.setAttribute('aria-valuemax', String(progress.max));
            progress.setAttribute('aria-valuenow', String(progress.value));
            progress.setAttribute('aria-valuetext', format(ngettext(
                '{done} of {total} change', '{done} of {total} changes', total),
                {done: done, total: total}));
        }

        function describe(run) {
            var counts = format(gettext('{added} added, {cancelled} cancelled, {failed} failed.'),
                {added: run.added, cancelled: run.cancelled, failed: run.failed});
            if (!run.finished) {
                return format(ngettext('Syncing: {done} of {total} change applied.',
                                       'Syncing: {done} of {total} changes applied.', run.total),
                    {done: Math.min(run.done, run.total), total: run.total});
            }
            return format(gettext('Sync finished: {outcome}.'), {outcome: run.outcome_display}) +
                ' ' + counts;
        }

        function refreshCounts(registrations) {
            if (!registrations || !registrations.states) { return; }
            registrations.states.forEach(function (item) {
                var dd = root.querySelector('.zoom-staff-count[data-state="' + item.state + '"] dd');
                if (dd) { dd.textContent = String(item.count); }
            });
        }

        function finish(run, registrations) {
            window.clearTimeout(polling);
            polling = null;
            showProgress(run);
            status.textContent = describe(run) + ' ';
            if (run.message_html) { status.appendChild(serverWords(run.message_html)); }
            root.setAttribute('data-sync', run.outcome);
            if (lastSync) {
                lastSync.textContent = format(gettext('Last sync: {outcome} ({when}).'),
                    {outcome: run.outcome_display, when: localTime(run.finished_at, run.when).textContent});
            }
            syncButton.disabled = false;
            syncButton.removeAttribute('aria-disabled');
            refreshCounts(registrations);
            loadReport();
        }

        function poll(after) {
            postJson(urls.staff_sync_status, {after: after}).then(function (result) {
                if (result.status !== 200) {
                    status.textContent = failure(result);
                    syncButton.disabled = false;
                    return;
                }
                var run = result.body.run;
                if (run && run.finished) {
                    finish(run, result.body.registrations);
                    return;
                }
                if (run) {
                    showProgress(run);
                    status.textContent = describe(run);
                    root.setAttribute('data-sync', 'running');
                } else {
                    waitedMs += pollMs;
                    status.textContent = waitedMs > 30000 ?
                        gettext('The sync is queued: it starts when a worker is free.') :
                        gettext('Waiting for the sync to start…');
                }
                polling = window.setTimeout(function () { poll(options.after); },
                    waitedMs > 30000 ? pollMs * 5 : pollMs);
            }, function () {
                polling = window.setTimeout(function () { poll(options.after); }, pollMs * 5);
            });
        }

        function startPolling(after) {
            options.after = after;
            waitedMs = 0;
            window.clearTimeout(polling);
            poll(after);
        }

        if (syncButton) {
            syncButton.addEventListener('click', function () {
                syncButton.disabled = true;
                syncButton.setAttribute('aria-disabled', 'true');
                root.setAttribute('data-sync', 'starting');
                progressBox.hidden = false;
                progress.removeAttribute('value');  /* indeterminate until the run reports */
                status.textContent = gettext('Starting the sync…');
                /* Poll at once: where the task runs in this request (no worker), progress shows
                 * while the request is still running. */
                startPolling(options.lastRunId || 0);
                postJson(urls.staff_sync_now, {}).then(function (result) {
                    if (result.status !== 200) {
                        window.clearTimeout(polling);
                        polling = null;
                        status.textContent = failure(result);
                        syncButton.disabled = false;
                        syncButton.removeAttribute('aria-disabled');
                        root.setAttribute('data-sync', 'error');
                        return;
                    }
                    options.after = result.body.after;
                    options.lastRunId = result.body.after;
                    if (result.body.run && result.body.run.finished) {
                        finish(result.body.run, result.body.registrations);
                    } else if (polling === null) {
                        startPolling(result.body.after);
                    }
                }, function () {
                    status.textContent = failure(null);
                    syncButton.disabled = false;
                });
            });
            if (options.running) {
                syncButton.disabled = true;
                startPolling((options.lastRunId || 1) - 1);
            }
        }
    }

    function initAll() {
        document.querySelectorAll('.zoom-staff[data-options]:not([data-ready])').forEach(function (root) {
            root.setAttribute('data-ready', 'true');
            StaffSection(root);
        });
    }

    window.ZoomXBlockStaff = {init: initAll};
    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', initAll);
    } else {
        initAll();
    }
}());
