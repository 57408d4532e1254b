/* The text of a lookup's query (see query.h). Watchdog only. */
#include "watchdog/query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/calls.h"
#include "watchdog/procinfo.h"

/* An address of family as text; -EINVAL for a family without one. */
static int address_text(int family, const void *bytes, size_t len, char *out, size_t cap)
{
    if ((family == AF_INET && len >= sizeof(struct in_addr)) ||
        (family == AF_INET6 && len >= sizeof(struct in6_addr)))
        return inet_ntop(family, bytes, out, (socklen_t)cap) != NULL ? 0 : -errno;
    return -EINVAL;
}

/* getnameinfo's sockaddr: its address (and port, if any). */
static int sockaddr_text(const struct sockaddr_storage *sa, char *out, size_t cap)
{
    const void *bytes;
    size_t len;
    unsigned port;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)sa;
        bytes = &in->sin_addr;
        len = sizeof in->sin_addr;
        port = ntohs(in->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)sa;
        bytes = &in6->sin6_addr;
        len = sizeof in6->sin6_addr;
        port = ntohs(in6->sin6_port);
    } else {
        return -EINVAL;
    }
    int r = address_text(sa->ss_family, bytes, len, out, cap);
    if (r != 0 || port == 0)
        return r;
    size_t n = strlen(out);
    struct sw_buf b;
    sw_buf_init(&b, out + n, cap - n - 1);
    sw_buf_puts(&b, ":");
    sw_buf_put_u64(&b, port);
    out[n + (b.overflow ? 0 : b.len)] = '\0';
    return 0;
}

int sw_query_text(uintptr_t addr, char *out, size_t cap)
{
    struct sw_query q;
    if (cap < 64)
        return -EINVAL;
    if (sw_proc_read_mem(addr, &q, sizeof q) != (ssize_t)sizeof q)
        return -EFAULT;
    if (q.name != NULL || q.service != NULL) {
        char service[256];
        int r = q.name != NULL ? sw_proc_read_string((uintptr_t)q.name, out, cap) : 0;
        if (r < 0)
            return r;
        if (q.name == NULL)
            out[0] = '\0';
        if (q.service != NULL &&
            sw_proc_read_string((uintptr_t)q.service, service, sizeof service) >= 0) {
            size_t n = strlen(out);
            struct sw_buf b;
            sw_buf_init(&b, out + n, cap - n - 1);
            sw_buf_puts(&b, ":");
            sw_buf_puts(&b, service);
            out[n + (b.overflow ? 0 : b.len)] = '\0';
        }
        return 0;
    }
    if (q.addr != NULL && q.family != 0) {
        unsigned char bytes[16];
        size_t len = q.len < sizeof bytes ? q.len : sizeof bytes;
        if (sw_proc_read_mem((uintptr_t)q.addr, bytes, len) != (ssize_t)len)
            return -EFAULT;
        return address_text(q.family, bytes, len, out, cap);
    }
    if (q.addr != NULL) {
        struct sockaddr_storage sa;
        size_t len = q.len < sizeof sa ? q.len : sizeof sa;
        memset(&sa, 0, sizeof sa);
        if (len < sizeof(sa_family_t) ||
            sw_proc_read_mem((uintptr_t)q.addr, &sa, len) != (ssize_t)len)
            return -EFAULT;
        return sockaddr_text(&sa, out, cap);
    }
    if (q.id >= 0) {
        struct sw_buf b;
        sw_buf_init(&b, out, cap - 1);
        sw_buf_put_u64(&b, (uint64_t)q.id);
        out[b.len] = '\0';
        return 0;
    }
    return -EINVAL;
}
