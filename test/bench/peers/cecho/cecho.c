/*
 * cecho: the benchmark's physical-limit echo server, a few dozen lines of
 * C on one thread: level-triggered epoll, nonblocking sockets, every byte
 * read written straight back. A write the socket cannot take whole keeps
 * its rest and stops reading that connection until the rest is out, so a
 * client that does not read holds back only its own connection. It knows
 * no framing: for {packet, N} cells a byte echo is the same bytes.
 *
 *   cecho [-addr 127.0.0.1:0]
 *
 * The first line on stdout is "listening on HOST:PORT". SIGTERM ends it.
 * test/bench/run.sh builds it with cc -O2.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn { char *rest; size_t off, len; }; /* unwritten bytes, by fd */

static struct conn *conns;
static int nconns, ep;

static void die(const char *what) { perror(what); exit(1); }

static void drop(int fd) {
	free(conns[fd].rest);
	conns[fd] = (struct conn){0};
	close(fd); /* also leaves the epoll set */
}

/* flush writes what fd still owes; 1 when all is out, 0 when the socket is
 * full, -1 on error. */
static int flush(int fd) {
	struct conn *c = &conns[fd];
	while (c->off < c->len) {
		ssize_t n = write(fd, c->rest + c->off, c->len - c->off);
		if (n < 0) return errno == EAGAIN ? 0 : -1;
		c->off += n;
	}
	free(c->rest);
	*c = (struct conn){0};
	return 1;
}

static void want(int fd, unsigned events) {
	struct epoll_event ev = {.events = events, .data.fd = fd};
	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0) die("epoll_ctl");
}

static void echo(int fd) {
	static char buf[64 << 10];
	if (conns[fd].rest) { /* waiting for room: EPOLLOUT */
		int r = flush(fd);
		if (r < 0) drop(fd);
		else if (r > 0) want(fd, EPOLLIN);
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN) drop(fd);
		return;
	}
	ssize_t w = write(fd, buf, n);
	if (w == n) return;
	if (w < 0) {
		if (errno != EAGAIN) { drop(fd); return; }
		w = 0;
	}
	struct conn *c = &conns[fd];
	if (!(c->rest = malloc(n - w))) die("malloc");
	memcpy(c->rest, buf + w, n - w);
	c->len = n - w;
	want(fd, EPOLLOUT);
}

int main(int argc, char **argv) {
	const char *addr = "127.0.0.1:0";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-addr") && i + 1 < argc) addr = argv[++i];
		else { fprintf(stderr, "flag provided but not defined: %s\n", argv[i]); return 2; }
	}
	char host[64];
	const char *colon = strrchr(addr, ':');
	if (!colon || colon - addr >= (long)sizeof host) { fprintf(stderr, "cecho: -addr %s: want IPv4:PORT\n", addr); return 2; }
	memcpy(host, addr, colon - addr);
	host[colon - addr] = 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) { fprintf(stderr, "cecho: -addr %s: want IPv4:PORT\n", addr); return 2; }

	signal(SIGPIPE, SIG_IGN); /* a write to a closed peer is EPIPE, not death */
	struct rlimit rl; /* as many fds as the hard limit allows, as Go takes */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int one = 1, ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (ln < 0) die("socket");
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(ln, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ln, 1024) < 0) die("listen");
	socklen_t sl = sizeof sa;
	getsockname(ln, (struct sockaddr *)&sa, &sl);
	printf("listening on %s:%d\n", host, ntohs(sa.sin_port));
	fflush(stdout);

	nconns = 1 << 16;
	if (!(conns = calloc(nconns, sizeof *conns))) die("calloc");
	if ((ep = epoll_create1(0)) < 0) die("epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ln}, evs[256];
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ln, &ev) < 0) die("epoll_ctl");
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno != EINTR) die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd != ln) { echo(fd); continue; }
			int c;
			while ((c = accept4(ln, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				if (c >= nconns) { close(c); continue; } /* past the table: refused */
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
				struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
				if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) < 0) die("epoll_ctl");
			}
			/* Out of fds, the listener stays readable: accept is tried
			 * again on every wakeup until a connection closes. */
			if (errno != EAGAIN && errno != EMFILE && errno != ENFILE && errno != ECONNABORTED) die("accept4");
		}
	}
}
