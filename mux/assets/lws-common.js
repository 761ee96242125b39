/*
 * lws-common.js, served by golws at /lws-common.js.
 *
 * lws_gray_out(on, options) greys the page out while its WebSocket is
 * disconnected:
 *
 *   lws_gray_out(true, {zindex: 499});  // when the page loads, and in onclose
 *   lws_gray_out(false);                // in onopen
 *
 * lws_ws_url(path) is the ws:// (or wss:// on an https page) URL of path on
 * the page's own host.
 */
(function () {
	"use strict";
	var id = "lws-gray-out";

	function grayOut(on, options) {
		var zindex = 50, opacity = 70, color = "#000000";
		if (options) {
			if (options.zindex !== undefined) zindex = options.zindex;
			if (options.opacity !== undefined) opacity = options.opacity;
			if (options.bgcolor !== undefined) color = options.bgcolor;
		}
		var dark = document.getElementById(id);
		if (!dark) {
			if (!on) return;
			dark = document.createElement("div");
			dark.id = id;
			dark.setAttribute("aria-hidden", "true");
			var s = dark.style;
			s.position = "fixed";
			s.top = s.left = "0";
			s.width = s.height = "100%";
			s.display = "none";
			(document.body || document.documentElement).appendChild(dark);
		}
		if (on) {
			var s2 = dark.style;
			s2.zIndex = String(zindex);
			s2.backgroundColor = color;
			s2.opacity = String(opacity / 100);
			s2.display = "block";
		} else {
			dark.style.display = "none";
		}
	}

	function wsURL(path) {
		var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
		return scheme + window.location.host + (path || "/");
	}

	window.lws_gray_out = grayOut;
	window.lws_ws_url = wsURL;
})();
