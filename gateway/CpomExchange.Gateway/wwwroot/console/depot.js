// Déposer un fichier: the upload's progress. Progressive enhancement: without this script the form
// posts as it is and the answer is the same page. With it, the same form is posted by
// XMLHttpRequest (same fields, same order: the antiforgery token first, the file last), its upload
// progress is shown, and the answer's <main> replaces this one. A file, no inline script (CSP).
(function () {
    'use strict';

    document.addEventListener('submit', function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement) || form.id !== 'depot' || !window.FormData || !window.XMLHttpRequest) {
            return;
        }
        var zone = document.getElementById('depot-progression');
        var bar = document.getElementById('depot-barre');
        var text = document.getElementById('depot-pourcentage');
        if (!zone || !bar || !text) {
            return;
        }
        event.preventDefault();
        var button = form.querySelector('button[type=submit]');
        if (button) {
            button.disabled = true;
        }
        bar.value = 0;
        text.textContent = 'Envoi en cours : 0 %';
        zone.hidden = false;

        var show = function (loaded, total) {
            var percent = total > 0 ? Math.floor(loaded * 100 / total) : 0;
            bar.value = percent;
            text.textContent = percent < 100 ? 'Envoi en cours : ' + percent + ' %' : 'Fichier envoyé : vérification par la passerelle…';
        };

        var request = new XMLHttpRequest();
        request.open('POST', form.action);
        request.responseType = 'document';
        request.upload.addEventListener('progress', function (e) {
            if (e.lengthComputable) {
                show(e.loaded, e.total);
            }
        });
        request.upload.addEventListener('load', function () {
            show(1, 1);
        });
        request.addEventListener('load', function () {
            var answer = request.response;
            var main = answer ? answer.querySelector('main') : null;
            if (!main) {
                text.textContent = 'Réponse illisible de la passerelle (HTTP ' + request.status + ') : rechargez la page.';
                return;
            }
            document.title = answer.title;
            document.querySelector('main').replaceWith(document.adoptNode(main));
            // The answer's message (or its title) takes the focus, for screen readers and the keyboard.
            var target = main.querySelector('.fr-alert') || main.querySelector('h1');
            if (target) {
                target.setAttribute('tabindex', '-1');
                target.focus();
            }
        });
        request.addEventListener('error', function () {
            text.textContent = 'Échec de l\u2019envoi : vérifiez la connexion, puis déposez le fichier à nouveau.';
            if (button) {
                button.disabled = false;
            }
        });
        request.send(new FormData(form));
    });
}());
