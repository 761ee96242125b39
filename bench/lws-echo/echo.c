/*
 * lws-echo: the C side of `make bench-c`, a minimal libwebsockets (4.1 API)
 * echo server written the way lws's minimal-ws-server-echo is. Every
 * WebSocket message comes back with its type and fragment boundaries: each
 * received chunk (at most RX_CHUNK bytes) is kept, rx is turned off, and the
 * chunk is written back from LWS_CALLBACK_SERVER_WRITEABLE as the next
 * fragment of the echo; then rx is turned back on. An idle connection holds
 * no echo buffer. The protocol is "lws-echo", also used when the client
 * names none (it is the vhost's first protocol). Listens on loopback ("lo").
 *
 *   cc -O2 -o lws-echo echo.c $(pkg-config --cflags --libs libwebsockets)
 *   ./lws-echo [port]          # default 7681; SIGINT/SIGTERM stop it
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define RX_CHUNK 16384 /* like golws's echo plugin (echo.RxBufferSize) */

struct pss {
	unsigned char *buf; /* LWS_PRE + len bytes, only while an echo is pending */
	size_t len;
	int flags;
};

static int callback_echo(struct lws *wsi, enum lws_callback_reasons reason,
			 void *user, void *in, size_t len)
{
	struct pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_RECEIVE:
		if (pss->buf)
			return -1; /* cannot happen: rx is off until it is sent */
		pss->buf = malloc(LWS_PRE + len);
		if (!pss->buf)
			return -1;
		memcpy(pss->buf + LWS_PRE, in, len);
		pss->len = len;
		pss->flags = lws_write_ws_flags(lws_frame_is_binary(wsi) ?
				LWS_WRITE_BINARY : LWS_WRITE_TEXT,
				lws_is_first_fragment(wsi), lws_is_final_fragment(wsi));
		lws_rx_flow_control(wsi, 0); /* hold one chunk at most */
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->buf)
			break; /* a writeable nobody asked for */
		if (lws_write(wsi, pss->buf + LWS_PRE, pss->len,
			      (enum lws_write_protocol)pss->flags) < (int)pss->len)
			return -1;
		free(pss->buf);
		pss->buf = NULL;
		lws_rx_flow_control(wsi, 1);
		break;
	case LWS_CALLBACK_CLOSED:
		free(pss->buf);
		pss->buf = NULL;
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "lws-echo", callback_echo, sizeof(struct pss), RX_CHUNK, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static volatile sig_atomic_t interrupted;

static void stop(int sig) { (void)sig; interrupted = 1; }

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	int n = 0;

	lws_set_log_level(LLL_ERR, NULL);
	signal(SIGINT, stop);
	signal(SIGTERM, stop);
	memset(&info, 0, sizeof info);
	info.port = argc > 1 ? atoi(argv[1]) : 7681;
	info.iface = "lo";
	info.protocols = protocols;
	/* Socket reads of one chunk: lws delivers a read's payload in one
	 * RECEIVE per RX_CHUNK before it looks at rx flow control again. */
	info.pt_serv_buf_size = RX_CHUNK;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;
	while (n >= 0 && !interrupted)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	return 0;
}
