/* core/connargs.c: rtmpdump's -C syntax to AMF0 bytes. Expected bytes written out by hand
 * from the AMF0 spec (and checked with Python's struct). */
#include "check.h"

#include "rtmpkit/connargs.h"
#include "rtmpkit/error.h"

static int add_all(rtmpkit_connargs *a, const char *const *items, char *why, size_t cap)
{
    int err = 0;
    rtmpkit_connargs_init(a);
    for (size_t i = 0; items[i] && err == 0; i++)
        err = rtmpkit_connargs_add(a, items[i], why, cap);
    return err ? err : rtmpkit_connargs_finish(a, why, cap);
}

int main(void)
{
    static rtmpkit_connargs a;
    char why[300];

    {
        const char *items[] = { "B:1", "N:3.5", "S:hi:x", "Z:", "O:1", "NS:a:b", "NB:c:0", "NO:d:1",
                                "NN:e:1", "O:0", "O:0", NULL };
        static const uint8_t want[] = {
            0x01, 0x01,                                                 /* true */
            0x00, 0x40, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       /* 3.5 */
            0x02, 0x00, 0x04, 'h', 'i', ':', 'x',                       /* "hi:x" */
            0x05,                                                       /* null */
            0x03,                                                       /* { */
            0x00, 0x01, 'a', 0x02, 0x00, 0x01, 'b',                     /* a: "b" */
            0x00, 0x01, 'c', 0x01, 0x00,                                /* c: false */
            0x00, 0x01, 'd', 0x03,                                      /* d: { */
            0x00, 0x01, 'e', 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,        /* e: 1 */
            0x00, 0x00, 0x09,                                           /* } */
            0x00, 0x00, 0x09,                                           /* } */
        };
        CHECK_INT(add_all(&a, items, why, sizeof why), 0);
        CHECK_INT(a.len, sizeof want);
        CHECK_MEM(a.data, want, sizeof want);
    }
    {
        const char *items[] = { "S:", "N:-2", "B:0", NULL };
        static const uint8_t want[] = { 0x02, 0x00, 0x00, 0x00, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00 };
        CHECK_INT(add_all(&a, items, why, sizeof why), 0);
        CHECK_INT(a.len, sizeof want);
        CHECK_MEM(a.data, want, sizeof want);
    }
    {
        /* "NO:name:0" closes an object too (as rtmpdump takes it); empty list is fine */
        const char *items[] = { "O:1", "NZ:n:", "NO:x:0", NULL };
        static const uint8_t want[] = { 0x03, 0x00, 0x01, 'n', 0x05, 0x00, 0x00, 0x09 };
        const char *none[] = { NULL };
        CHECK_INT(add_all(&a, items, why, sizeof why), 0);
        CHECK_INT(a.len, sizeof want);
        CHECK_MEM(a.data, want, sizeof want);
        CHECK_INT(add_all(&a, none, why, sizeof why), 0);
        CHECK_INT(a.len, 0);
    }

    /* bad syntax: an error and a message naming the item; nothing added */
    {
        static const char *const bad[] = { "", "B", "X:1", "B:2", "B:true", "N:", "N:abc", "N:1e999", "N:nan",
                                           "Z:x", "O:2", "O:0", "NS:a:b", "NS:b", "NS::x", "N", "S" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            rtmpkit_connargs_init(&a);
            why[0] = 0;
            CHECK_INT(rtmpkit_connargs_add(&a, bad[i], why, sizeof why), RTMPKIT_EUSAGE);
            CHECK(strstr(why, "--conn") != NULL);
            CHECK_INT(a.len, 0);
        }
    }
    /* unnamed inside an object; unclosed object */
    rtmpkit_connargs_init(&a);
    CHECK_INT(rtmpkit_connargs_add(&a, "O:1", why, sizeof why), 0);
    CHECK_INT(rtmpkit_connargs_add(&a, "S:x", why, sizeof why), RTMPKIT_EUSAGE);
    CHECK(strstr(why, "needs a name") != NULL);
    CHECK_INT(rtmpkit_connargs_finish(&a, why, sizeof why), RTMPKIT_EUSAGE);
    CHECK(strstr(why, "not closed") != NULL);
    CHECK_INT(rtmpkit_connargs_add(&a, "O:0", why, sizeof why), 0);
    CHECK_INT(rtmpkit_connargs_finish(&a, why, sizeof why), 0);

    /* limits: nesting depth and total size */
    rtmpkit_connargs_init(&a);
    for (int i = 0; i < RTMPKIT_CONNARGS_MAX_DEPTH; i++)
        CHECK_INT(rtmpkit_connargs_add(&a, i ? "NO:o:1" : "O:1", why, sizeof why), 0);
    CHECK_INT(rtmpkit_connargs_add(&a, "NO:o:1", why, sizeof why), RTMPKIT_ELIMIT);
    rtmpkit_connargs_init(&a);
    {
        static char big[1100];
        int err = 0, n = 0;
        memset(big, 'x', sizeof big - 1);
        big[0] = 'S';
        big[1] = ':';
        while ((err = rtmpkit_connargs_add(&a, big, why, sizeof why)) == 0)
            n++;
        CHECK_INT(err, RTMPKIT_ELIMIT);
        CHECK_INT(n, 3);
        CHECK(a.len <= RTMPKIT_CONNARGS_MAX);
    }
    return check_report("connargs");
}
