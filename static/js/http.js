/* zoom-xblock: what the Studio editor and the staff panel share: JSON calls to handlers. */
window.ZoomXBlockHttp = window.ZoomXBlockHttp || (function () {
    'use strict';

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : '';
    }

    /* POST JSON to a handler; resolves with {status, body} whatever the HTTP status. */
    function postJson(url, data) {
        return window.fetch(url, {
            method: 'POST',
            credentials: 'same-origin',
            headers: {
                'Content-Type': 'application/json',
                'Accept': 'application/json',
                'X-CSRFToken': csrfToken(),
                'X-Requested-With': 'XMLHttpRequest'
            },
            body: JSON.stringify(data || {})
        }).then(function (response) {
            return response.json().catch(function () { return {}; }).then(function (body) {
                return {status: response.status, body: body};
            });
        });
    }

    return {csrfToken: csrfToken, postJson: postJson};
}());
