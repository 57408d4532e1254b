/* Exported wrappers for name-service lookups: getaddrinfo and getnameinfo, the gethostby*
 * family, users and groups (getpw*, getgr*, getgrouplist, initgroups) and the resolver's
 * res_query/res_search. Class lookup; the object is what was asked for, as a struct
 * sw_query on the wrapper's own stack that the watchdog reads while the call lasts (a few
 * stores, nothing copied). The lookups run NSS modules (files, DNS, LDAP, sssd) whose calls
 * are hidden behind the lookup's mark. Any thread. */
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <resolv.h>
#include <sys/socket.h>

#include "hook/interpose.h"

#define NAME(n)                                                                                    \
    {                                                                                              \
        .name = (n), .id = -1                                                                      \
    }
#define HOST_SERV(n, s)                                                                            \
    {                                                                                              \
        .name = (n), .service = (s), .id = -1                                                      \
    }
#define ADDR(a, l, f)                                                                              \
    {                                                                                              \
        .addr = (a), .len = (uint32_t)(l), .family = (f), .id = -1                                 \
    }
#define ID(i)                                                                                      \
    {                                                                                              \
        .id = (int64_t)(i)                                                                         \
    }

SW_EXPORT int getaddrinfo(const char *__restrict node, const char *__restrict service,
                          const struct addrinfo *__restrict hints, struct addrinfo **__restrict res)
{
    struct sw_query q = HOST_SERV(node, service);
    SW_WRAP(GETADDRINFO, &q, SW_REAL(getaddrinfo)(node, service, hints, res));
}

SW_EXPORT int getnameinfo(const struct sockaddr *__restrict sa, socklen_t salen,
                          char *__restrict host, socklen_t hostlen, char *__restrict serv,
                          socklen_t servlen, int flags)
{
    struct sw_query q = ADDR(sa, salen, 0);
    SW_WRAP(GETNAMEINFO, &q, SW_REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags));
}

SW_EXPORT struct hostent *gethostbyname(const char *name)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETHOSTBYNAME, &q, SW_REAL(gethostbyname)(name));
}

SW_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETHOSTBYNAME2, &q, SW_REAL(gethostbyname2)(name, af));
}

SW_EXPORT int gethostbyname_r(const char *__restrict name, struct hostent *__restrict ret,
                              char *__restrict buf, size_t buflen,
                              struct hostent **__restrict result, int *__restrict herr)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETHOSTBYNAME_R, &q, SW_REAL(gethostbyname_r)(name, ret, buf, buflen, result, herr));
}

SW_EXPORT int gethostbyname2_r(const char *__restrict name, int af, struct hostent *__restrict ret,
                               char *__restrict buf, size_t buflen,
                               struct hostent **__restrict result, int *__restrict herr)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETHOSTBYNAME2_R, &q,
            SW_REAL(gethostbyname2_r)(name, af, ret, buf, buflen, result, herr));
}

SW_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
    struct sw_query q = ADDR(addr, len, type);
    SW_WRAP(GETHOSTBYADDR, &q, SW_REAL(gethostbyaddr)(addr, len, type));
}

SW_EXPORT int gethostbyaddr_r(const void *__restrict addr, socklen_t len, int type,
                              struct hostent *__restrict ret, char *__restrict buf, size_t buflen,
                              struct hostent **__restrict result, int *__restrict herr)
{
    struct sw_query q = ADDR(addr, len, type);
    SW_WRAP(GETHOSTBYADDR_R, &q,
            SW_REAL(gethostbyaddr_r)(addr, len, type, ret, buf, buflen, result, herr));
}

SW_EXPORT struct passwd *getpwnam(const char *name)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETPWNAM, &q, SW_REAL(getpwnam)(name));
}

SW_EXPORT int getpwnam_r(const char *__restrict name, struct passwd *__restrict pwd,
                         char *__restrict buf, size_t buflen, struct passwd **__restrict result)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETPWNAM_R, &q, SW_REAL(getpwnam_r)(name, pwd, buf, buflen, result));
}

SW_EXPORT struct passwd *getpwuid(uid_t uid)
{
    struct sw_query q = ID(uid);
    SW_WRAP(GETPWUID, &q, SW_REAL(getpwuid)(uid));
}

SW_EXPORT int getpwuid_r(uid_t uid, struct passwd *__restrict pwd, char *__restrict buf,
                         size_t buflen, struct passwd **__restrict result)
{
    struct sw_query q = ID(uid);
    SW_WRAP(GETPWUID_R, &q, SW_REAL(getpwuid_r)(uid, pwd, buf, buflen, result));
}

SW_EXPORT struct group *getgrnam(const char *name)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETGRNAM, &q, SW_REAL(getgrnam)(name));
}

SW_EXPORT int getgrnam_r(const char *__restrict name, struct group *__restrict grp,
                         char *__restrict buf, size_t buflen, struct group **__restrict result)
{
    struct sw_query q = NAME(name);
    SW_WRAP(GETGRNAM_R, &q, SW_REAL(getgrnam_r)(name, grp, buf, buflen, result));
}

SW_EXPORT struct group *getgrgid(gid_t gid)
{
    struct sw_query q = ID(gid);
    SW_WRAP(GETGRGID, &q, SW_REAL(getgrgid)(gid));
}

SW_EXPORT int getgrgid_r(gid_t gid, struct group *__restrict grp, char *__restrict buf,
                         size_t buflen, struct group **__restrict result)
{
    struct sw_query q = ID(gid);
    SW_WRAP(GETGRGID_R, &q, SW_REAL(getgrgid_r)(gid, grp, buf, buflen, result));
}

SW_EXPORT int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
    struct sw_query q = NAME(user);
    SW_WRAP(GETGROUPLIST, &q, SW_REAL(getgrouplist)(user, group, groups, ngroups));
}

SW_EXPORT int initgroups(const char *user, gid_t group)
{
    struct sw_query q = NAME(user);
    SW_WRAP(INITGROUPS, &q, SW_REAL(initgroups)(user, group));
}

SW_EXPORT int res_query(const char *dname, int cls, int type, unsigned char *answer, int anslen)
{
    struct sw_query q = NAME(dname);
    SW_WRAP(RES_QUERY, &q, SW_REAL(res_query)(dname, cls, type, answer, anslen));
}

SW_EXPORT int res_search(const char *dname, int cls, int type, unsigned char *answer, int anslen)
{
    struct sw_query q = NAME(dname);
    SW_WRAP(RES_SEARCH, &q, SW_REAL(res_search)(dname, cls, type, answer, anslen));
}

SW_EXPORT int res_nquery(res_state st, const char *dname, int cls, int type, unsigned char *answer,
                         int anslen)
{
    struct sw_query q = NAME(dname);
    SW_WRAP(RES_NQUERY, &q, SW_REAL(res_nquery)(st, dname, cls, type, answer, anslen));
}

SW_EXPORT int res_nsearch(res_state st, const char *dname, int cls, int type, unsigned char *answer,
                          int anslen)
{
    struct sw_query q = NAME(dname);
    SW_WRAP(RES_NSEARCH, &q, SW_REAL(res_nsearch)(st, dname, cls, type, answer, anslen));
}
