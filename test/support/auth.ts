/**
 * The admin key every test gateway is started with (WILDCAT_ADMIN_KEY), so tests
 * can authenticate without reading the key file. Format: wck_<16 hex id>_<43 base64url secret>.
 */
export const TEST_ADMIN_KEY = "wck_00000000000000a1_VGVzdEFkbWluS2V5Rm9yV2lsZGNhdFRlc3RzT25seTA";

/** `authorization` header value for the test admin key. */
export const TEST_AUTH_HEADER = `Bearer ${TEST_ADMIN_KEY}`;
