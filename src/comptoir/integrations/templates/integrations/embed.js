{% autoescape off %}/* Comptoir: a "Support" link for an application's pages.
 * <script src=".../integrations/embed.js" async
 *   data-href="/your-endpoint-that-signs-the-link"   (default: the portal)
 *   data-label="Help"  data-lang="fr"  data-position="bottom-right|bottom-left|top-right|top-left|inline"
 *   data-color="#1f5fbf"></script>
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var labels = {{ labels }};
  var data = script.dataset;
  var origin = new URL(script.src, document.baseURI).origin;
  var href = origin + {{ portal_path }};
  if (data.href) {
    var wanted = new URL(data.href, document.baseURI);
    if (wanted.protocol === "https:" || wanted.protocol === "http:") href = wanted.href;
  }
  var lang = (data.lang || document.documentElement.lang || "").toLowerCase().split("-")[0];
  var link = document.createElement("a");
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener";
  link.className = "comptoir-support";
  link.textContent = data.label || labels[lang] || labels[{{ default_lang }}];
  var s = link.style;
  s.display = "inline-block";
  s.padding = "0.6em 1.1em";
  s.borderRadius = "999px";
  s.background = data.color || "#1f5fbf";
  s.color = "#fff";
  s.font = "600 15px/1.2 system-ui, sans-serif";
  s.textDecoration = "none";
  s.boxShadow = "0 2px 8px rgba(0, 0, 0, 0.25)";
  var corners = {
    "bottom-right": ["bottom", "right"],
    "bottom-left": ["bottom", "left"],
    "top-right": ["top", "right"],
    "top-left": ["top", "left"]
  };
  var position = data.position || "bottom-right";
  var corner = corners.hasOwnProperty(position) ? corners[position] : null;
  if (corner) {
    s.position = "fixed";
    s[corner[0]] = "1rem";
    s[corner[1]] = "1rem";
    s.zIndex = "2147483000";
  }
  function place() {
    if (corner) document.body.appendChild(link);
    else script.parentNode.insertBefore(link, script);
  }
  if (corner && !document.body) document.addEventListener("DOMContentLoaded", place);
  else place();
})();
{% endautoescape %}
