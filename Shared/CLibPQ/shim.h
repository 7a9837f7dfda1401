#include <libpq-fe.h>

// Character-literal macros do not import into Swift.
static const int psync_pg_diag_sqlstate = PG_DIAG_SQLSTATE;
static const int psync_pg_diag_message_primary = PG_DIAG_MESSAGE_PRIMARY;
static const int psync_pg_diag_message_detail = PG_DIAG_MESSAGE_DETAIL;
