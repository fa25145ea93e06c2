/*
 * probes-hook: the OCI prestart hook of the node agent, in C because a container start waits for
 * it. The .NET `probes hook` spends most of its time starting the runtime (about 0.1-0.2 s of a
 * Native AOT executable's start on a loaded host); this one starts like /bin/true.
 *
 * It relays, it does not interpret: the container state the runtime writes on stdin (at most
 * 1 MiB) goes to the agent's unix socket as "state\n" + the bytes, the write side is shut, and
 * the agent's one-line answer is awaited. The agent parses the state and the bundle's
 * config.json (HookListener). Whatever happens (no agent, a slow agent, an oversized state), the
 * hook exits 0 within 2 s, so a container start never fails or hangs because of tracing; what
 * went wrong is one line on stderr.
 *
 *   probes-hook [SOCKET]      default /run/probes/agent.sock
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_STATE (1 << 20)
#define BUDGET_SECONDS 2

static char state[MAX_STATE];

static void give_up(int signal_number)
{
    (void)signal_number;
    static const char message[] = "probes-hook: the agent did not answer within 2 s; the container starts untraced until the agent's next scan\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
    _exit(0);
}

static int fail(const char *what)
{
    fprintf(stderr, "probes-hook: %s: %s; the container starts untraced until the agent's next scan\n", what, strerror(errno));
    return 0;
}

static int send_all(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        bytes += sent;
        length -= (size_t)sent;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/run/probes/agent.sock";
    struct sigaction on_alarm = { .sa_handler = give_up };
    sigaction(SIGALRM, &on_alarm, NULL);
    alarm(BUDGET_SECONDS);

    size_t length = 0;
    for (;;) {
        ssize_t got = read(STDIN_FILENO, state + length, sizeof state - length);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return fail("reading the container state on stdin");
        if (got == 0)
            break;
        length += (size_t)got;
        if (length == sizeof state) {
            fprintf(stderr, "probes-hook: the container state on stdin is longer than %d bytes; the container starts untraced\n", MAX_STATE);
            return 0;
        }
    }

    struct sockaddr_un address = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "probes-hook: the socket path is longer than %zu bytes; the container starts untraced\n", sizeof address.sun_path - 1);
        return 0;
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail("socket");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0)
        return fail(path);
    if (send_all(fd, "state\n", 6) < 0 || send_all(fd, state, length) < 0 || shutdown(fd, SHUT_WR) < 0)
        return fail("sending the state to the agent");

    char answer[512];
    size_t have = 0;
    while (have < sizeof answer - 1) {
        ssize_t got = recv(fd, answer + have, sizeof answer - 1 - have, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        have += (size_t)got;
        if (memchr(answer, '\n', have))
            break;
    }
    answer[have] = '\0';
    answer[strcspn(answer, "\n")] = '\0';
    if (strcmp(answer, "attached") != 0 && strcmp(answer, "served") != 0)
        fprintf(stderr, "probes-hook: the agent answered '%.200s'\n", answer);
    close(fd);
    return 0;
}
