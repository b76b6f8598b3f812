/* zoom-xblock: the Studio editor (studio_view) and the author view's Retry button.
 *
 * The server validates everything (zoom_xblock/meeting/authoring.py); this script only sends the form,
 * puts each message next to its field and a summary at the top, and tells Studio's runtime
 * about the save (runtime.notify), as xblock-utils' editors do. It works without jQuery and
 * without runtime.notify (the workbench).
 */
(function () {
    'use strict';

    // The block's own catalog first, then the page's, then English (static/js/i18n.js).
    var words = window.ZoomXBlockText();
    var gettext = words.gettext;
    var ngettext = words.ngettext;

    function rootOf(element) {
        return element && element.jquery ? element[0] : element;
    }

    function notify(runtime, name, data) {
        if (runtime && typeof runtime.notify === 'function') {
            runtime.notify(name, data);
        }
    }

    var postJson = window.ZoomXBlockHttp.postJson;

    function errorMessage(result) {
        var body = result.body || {};
        return body.message || body.error ||
            gettext('The server could not save the session. Check your connection and try again.');
    }

    /* Zoom's own e-mails and the course's: say so when learners would get both. */
    function warnAboutDoubleEmails(form) {
        var zoomEmails = form.querySelector('[name="zoom_emails"]');
        var warning = form.querySelector('.zoom-double-emails');
        if (!zoomEmails || !warning) { return; }
        function update() {
            var ours = Array.prototype.some.call(
                form.querySelectorAll('[name^="learner_email_"]'),
                function (input) { return input.checked && !input.disabled; });
            warning.hidden = !(zoomEmails.checked && ours);
        }
        form.addEventListener('change', update);
        update();
    }

    /* --- The editor ------------------------------------------------------------------------ */

    function ZoomXBlockStudio(runtime, element, options) {
        var root = rootOf(element);
        var form = root.querySelector('.zoom-studio-form');
        var summary = root.querySelector('.zoom-studio-summary');
        var status = root.querySelector('.zoom-studio-status');
        var saveButton = root.querySelector('.save-button');
        options = options || {};

        useBrowserZone(root);
        warnAboutDoubleEmails(form);

        function control(name) {
            return form.querySelector('[name="' + name + '"]');
        }

        function formData() {
            var data = {};
            Array.prototype.forEach.call(form.querySelectorAll('[name]'), function (input) {
                data[input.name] = input.type === 'checkbox' ? input.checked : input.value;
            });
            return data;
        }

        function describedBy(input, errorId, add) {
            var ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) {
                return id && id !== errorId;
            });
            if (add) { ids.push(errorId); }
            if (ids.length) {
                input.setAttribute('aria-describedby', ids.join(' '));
            } else {
                input.removeAttribute('aria-describedby');
            }
        }

        function clearMessages() {
            Array.prototype.forEach.call(form.querySelectorAll('.zoom-field'), function (field) {
                var error = field.querySelector('.zoom-field-error');
                var input = control(field.getAttribute('data-field'));
                field.classList.remove('has-error');
                error.textContent = '';
                error.hidden = true;
                if (input) {
                    input.removeAttribute('aria-invalid');
                    describedBy(input, error.id, false);
                }
            });
            summary.hidden = true;
            summary.querySelector('.zoom-studio-summary-list').textContent = '';
            status.textContent = '';
        }

        function labelText(input) {
            var label = form.querySelector('label[for="' + input.id + '"]');
            return label ? label.textContent.trim() : input.name;
        }

        function showErrors(errors, message) {
            var list = summary.querySelector('.zoom-studio-summary-list');
            var names = Object.keys(errors);
            var first = null;
            names.forEach(function (name) {
                var input = control(name);
                var field = form.querySelector('.zoom-field[data-field="' + name + '"]');
                var item = document.createElement('li');
                if (input && field) {
                    var error = field.querySelector('.zoom-field-error');
                    field.classList.add('has-error');
                    error.textContent = errors[name];
                    error.hidden = false;
                    input.setAttribute('aria-invalid', 'true');
                    describedBy(input, error.id, true);
                    var link = document.createElement('a');
                    link.href = '#' + input.id;
                    link.textContent = labelText(input) + ': ' + errors[name];
                    link.addEventListener('click', function (event) {
                        event.preventDefault();
                        input.focus();
                    });
                    item.appendChild(link);
                    first = first || input;
                } else {
                    item.textContent = errors[name];
                }
                list.appendChild(item);
            });
            summary.querySelector('.zoom-studio-summary-title').textContent = message ||
                ngettext('Nothing was saved: correct the field marked below.',
                         'Nothing was saved: correct the fields marked below.', names.length);
            summary.hidden = false;
            summary.focus();
        }

        /* Saved, but Zoom could not confirm something: say so before Studio closes the editor. */
        function showWarnings(warnings) {
            status.textContent = '';
            var box = document.createElement('div');
            box.className = 'zoom-studio-warning';
            var title = document.createElement('p');
            title.textContent = gettext('Saved, with a warning:');
            box.appendChild(title);
            var list = document.createElement('ul');
            warnings.forEach(function (warning) {
                var item = document.createElement('li');
                item.textContent = warning;
                list.appendChild(item);
            });
            box.appendChild(list);
            var done = document.createElement('button');
            done.type = 'button';
            done.className = 'button action-primary zoom-studio-done';
            done.textContent = gettext('OK');
            done.addEventListener('click', finishSave);
            box.appendChild(done);
            status.appendChild(box);
            done.focus();
        }

        function finishSave() {
            if (runtime && typeof runtime.notify === 'function') {
                notify(runtime, 'save', {state: 'end'});
            } else {
                // Studio shows "unpublished changes" on the unit itself; say it here too.
                status.textContent = gettext('Saved as a draft: Zoom and learners get it when the unit is published.');
            }
        }

        function setBusy(busy) {
            saveButton.disabled = busy;
            form.setAttribute('aria-busy', busy ? 'true' : 'false');
        }

        form.addEventListener('submit', function (event) {
            event.preventDefault();
            clearMessages();
            setBusy(true);
            notify(runtime, 'save', {state: 'start', message: gettext('Saving')});
            postJson(runtime.handlerUrl(element, 'studio_submit'), formData()).then(function (result) {
                setBusy(false);
                var body = result.body || {};
                if (result.status === 200 && body.result === 'success') {
                    if (body.warnings && body.warnings.length) {
                        showWarnings(body.warnings);
                    } else {
                        finishSave();
                    }
                } else if (body.errors) {
                    showErrors(body.errors, body.message);
                    notify(runtime, 'error', {title: gettext('Unable to save the Zoom session'),
                                              message: body.message, msg: body.message});
                } else {
                    showErrors({}, errorMessage(result));
                    notify(runtime, 'error', {title: gettext('Unable to save the Zoom session'),
                                              message: errorMessage(result), msg: errorMessage(result)});
                }
            }, function () {
                setBusy(false);
                var message = gettext('The server could not be reached. Check your connection and try again.');
                showErrors({}, message);
                notify(runtime, 'error', {title: gettext('Unable to save the Zoom session'),
                                          message: message, msg: message});
            });
        });

        root.querySelector('.cancel-button').addEventListener('click', function (event) {
            event.preventDefault();
            if (runtime && typeof runtime.notify === 'function') {
                notify(runtime, 'cancel', {});
            } else {
                form.reset();
                clearMessages();
            }
        });

        return {};
    }

    /* A block without a time zone yet starts with the author's own (the browser's). */
    function useBrowserZone(root) {
        var select = root.querySelector('select[data-zone-from-browser="true"]');
        var zone;
        try {
            zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        } catch (error) {
            zone = null;
        }
        if (!select || !zone) { return; }
        var found = Array.prototype.some.call(select.options, function (option) {
            return option.value === zone;
        });
        if (!found) {
            var option = document.createElement('option');
            option.value = zone;
            option.textContent = zone;
            select.insertBefore(option, select.firstChild);
        }
        select.value = zone;
    }

    /* --- The author view (Studio's unit page) ---------------------------------------------- */

    function ZoomXBlockAuthorView(runtime, element, options) {
        var root = rootOf(element);
        if (typeof window.ZoomXBlock === 'function') {
            window.ZoomXBlock(runtime, element, options);
        }
        var button = root.querySelector('.zoom-retry');
        var live = root.querySelector('.zoom-author-live');
        if (!button) { return {}; }
        button.addEventListener('click', function () {
            button.disabled = true;
            live.textContent = gettext('Asking Zoom again…');
            postJson(runtime.handlerUrl(element, 'retry_zoom'), {}).then(function (result) {
                var body = result.body || {};
                if (result.status === 200 && body.result === 'success') {
                    live.textContent = body.state.status_display;
                    button.hidden = true;
                } else {
                    button.disabled = false;
                    live.textContent = errorMessage(result);
                }
            }, function () {
                button.disabled = false;
                live.textContent = gettext('The server could not be reached. Check your connection and try again.');
            });
        });
        return {};
    }

    window.ZoomXBlockStudio = ZoomXBlockStudio;
    window.ZoomXBlockAuthorView = ZoomXBlockAuthorView;
}());
