/* Looks up argv[1] (service argv[2], default "5432") with getaddrinfo from a thread named
 * "resolver" and prints the outcome; the test points the resolver at a server that never
 * answers. The main thread joins it. */
#define _GNU_SOURCE
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *host, *service = "5432";

__attribute__((noinline)) static int connect_to_database(void)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(host, service, &hints, &res);
    if (res != NULL)
        freeaddrinfo(res);
    return r;
}

static void *resolver(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "resolver");
    int r = connect_to_database();
    printf("getaddrinfo: %s\n", r == 0 ? "ok" : gai_strerror(r));
    fflush(stdout);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    host = argv[1];
    if (argc > 2)
        service = argv[2];
    pthread_t t;
    pthread_create(&t, NULL, resolver, NULL);
    pthread_join(t, NULL);
    return 0;
}
