from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "admins" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "username" VARCHAR(64) NOT NULL UNIQUE,
    "password_hash" VARCHAR(128) NOT NULL,
    "display_name" VARCHAR(64) NOT NULL,
    "is_active" BOOL NOT NULL,
    "is_superuser" BOOL NOT NULL,
    "last_login_at" TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS "admin_logs" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "admin_username" VARCHAR(64) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "target_type" VARCHAR(32) NOT NULL,
    "target_id" VARCHAR(64) NOT NULL,
    "detail" JSONB NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "admin_id" BIGINT REFERENCES "admins" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_admin_logs_action_0ecb23" ON "admin_logs" ("action");
CREATE INDEX IF NOT EXISTS "idx_admin_logs_created_110b09" ON "admin_logs" ("created_at");
CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "jti" VARCHAR(64) NOT NULL PRIMARY KEY,
    "family" VARCHAR(64) NOT NULL,
    "audience" VARCHAR(16) NOT NULL,
    "subject" BIGINT NOT NULL,
    "issued_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "revoked_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family_8ce7f3" ON "refresh_tokens" ("family");
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_subject_022f34" ON "refresh_tokens" ("subject");
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_expires_310999" ON "refresh_tokens" ("expires_at");
COMMENT ON TABLE "refresh_tokens" IS 'One issued refresh token; a family is one login''s chain of rotations.';
CREATE TABLE IF NOT EXISTS "roles" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "description" VARCHAR(255) NOT NULL,
    "permissions" JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS "users" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "openid" VARCHAR(64) NOT NULL UNIQUE,
    "unionid" VARCHAR(64),
    "nickname" VARCHAR(64) NOT NULL,
    "avatar_url" VARCHAR(512) NOT NULL,
    "phone" VARCHAR(32),
    "banned" BOOL NOT NULL,
    "banned_reason" VARCHAR(255) NOT NULL,
    "last_login_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_users_unionid_1307c1" ON "users" ("unionid");
CREATE INDEX IF NOT EXISTS "idx_users_phone_f72cc5" ON "users" ("phone");
CREATE TABLE IF NOT EXISTS "addresses" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(64) NOT NULL,
    "phone" VARCHAR(32) NOT NULL,
    "province" VARCHAR(64) NOT NULL,
    "city" VARCHAR(64) NOT NULL,
    "district" VARCHAR(64) NOT NULL,
    "detail" VARCHAR(255) NOT NULL,
    "is_default" BOOL NOT NULL,
    "user_id" BIGINT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);
CREATE TABLE IF NOT EXISTS "admin_roles" (
    "admins_id" BIGINT NOT NULL REFERENCES "admins" ("id") ON DELETE CASCADE,
    "role_id" BIGINT NOT NULL REFERENCES "roles" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS "uidx_admin_roles_admins__11645b" ON "admin_roles" ("admins_id", "role_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1v2zYQ/iuCviwDsiBxXveCAU6arlmTeEjcbegwCLRE22xk0hWppEaX/z6SeqckW3"
    "Rsx1L1pU14dxL5HEXdPTwqX80JcaBL97qO40FKzZ+MryYGE8h/UEW7hgmm00QgGhgYuFIX"
    "BEowUBtQ5gGbccEQuBTyJgdS20NThgjmrdh3XdFIbK6I8Chp8jH67EOLkRFkY+hxwT//8m"
    "aEHfgF0ujX6YM1RNB1Mt1Fjri3bLfYbCrbztHoCrO3UlfccGDZxPUnONGfztiY4NgAYSZa"
    "RxBDDzAo7sA8X4xAdDAcbTSooLOJStDLlI0Dh8B3WWrEAytpMy3rtte37i/7lmVqYGQTLP"
    "DlXQ38NRJd+OHHTufw8LSzf3hydnx0enp8tn/GdWV/86LT56AzCVrBpSRmV79d3fZFhwh3"
    "YuBe0fAsbQADgZV0RoK+7UGBlwVY3gtvuIShCSz2Q9ZS8YcTmu5FP6jeiXwxzz1RQ+KfZF"
    "puwkF8gE4Pu7NwYszBvn91c3nf7978IW43ofSzK/Hr9i+FpCNbZ0rrzsn3WWfFFzH+uuq/"
    "M8Svxsfe7aWEl1A28uQdE73+R1P0CfiMWJg8WfxhTuZw1BqhxjUTr/tTZ0mvZy1br2+L1y"
    "OMUm4Pe594Xf6f8/fFGHjFvo70FS9ztOro1wn4YrkQj9iY/3pyNMevf3bvLt5173ZOjhRf"
    "3YaSjhQ9Z8Cdcoi00I0NGgjvYacCvIedUniFSIHXI48I23oIp2waCPLq57CN2EwH4Ei/Bb"
    "cCuA4SHbAL3rjlAKdtWpCrgAwZQK4WxLFFAwHuHB9XQJhrlUIsZVmMEY27ncP5nBAXAlyS"
    "uWUMFbgH3HJdeMctawB8XkbW611nQsPzKyU/u/1wc355t3Mg4edKiGXStlTATqFn6WbKKa"
    "PF6XId5vbGMmZBVgwfChNmAWreDW+JB9EIv4cz6Yor3m9QHHmE7MyH8DI1c8FzNMeiVjNO"
    "OD3wFLM76anHx85HDIOZfdG9v+i+uTQlwgNgPzwBz7EyUAsJ6RClJdbNiyadidoCMBhJcM"
    "QoRJ9jTmyCsFlIlgnB7nyqjKu0PFnLk+W80PJkdWRMWp7sW/R6FZ5MvLx0ubK0zWoSiddd"
    "dNfNlgFKnwh/nY8BHWtxOqphA7O2g85ZBby5VingUpajH6YumFm6E1u12xzeplnTyc3zXB"
    "4doscCnBflx4ndBtPjaGGpbXbMgaP+FHrFudkizDOmLSuhgbsLKLNcMkJ4iQgpZ7yCICmc"
    "yduyrNc3JgpC4RwNUp61pyYFGdGChzC0evv+DrpAApl3eToZvyaj2jo8R488v5DUSND1+F"
    "pWAO8NwLM+Ef9W5J/u+HVqF5XOYZ/ksCyF1YkG6Ykpx5OxSJxQOUPiSQc8wFmEbkhbxb4J"
    "RYFNKGRjj/ijcdxuxW4pZLt4u5UD+nkxUyWegTKyKnw+FvBVVvQ0tpzVt8dZBTNgmWw2b9"
    "nANGv1gb+I3oMXW2Wg7ZJX4coAbhJrwIDH16AAIw2QFbPGZbCrr7YJEStavhfCXLiG1x/k"
    "zdUq/H7fu9WsVXCQzYz/DBfRte3rmr8MfSxXK2PgI5fxYGhP3PbXdcE/B26BUCZvimDeue"
    "n+rXrg4rp3riZE4gLnKokw1ZnsgXY7yxfO8nptnG30bVnPHZQq+2ZB/Kgb/aetlipY2TI2"
    "YCvqVUBU2fDCgpW4QqJePqhasJKee5kcnnfAuP1wff1aJSt3cMify3GfPMDCypWMfHceIe"
    "AFmjyR56rVSAGzh6GBKPWhY4TmhjT/2QDcZILcGRcbhGtJJvc7athjjrJBhoZHmOT56J6p"
    "eGp1V30BNfGJIZ33fajebu2WvPDLWYjAoTpYJxZtUlyBdPAdBDVPRqRtGsjsHJxU2T9X46"
    "PU9vmJCjL1B59gUe3+vHgmZbSu+tumkprpvV3xnlgifcgYtgVYdUof4Jcp4ldbwulZy+bl"
    "jDVxcumOslJmt1RlJV3lU72d6Uoj/OvBRx7UL+PirGXr5W3zskZdyFpTYyKHm0+Jw23/Oa"
    "lwtF3fbos3NYJsj3K0MWV7lKPJXq9ylON1P3nSQJ4vvX2ddEsDYcWscTuoazlyP4XeBFEq"
    "eO881uX1AorZdhQNiPvVumhgc9Gvsou3irrfqtt427WW6Rb+xqNUK3+T8uls4W+mulct/U"
    "1VBb+w8DeuBS/NaeR3AQpymuh7AeU5jajWbHOaNqfRjG7bnGY7o9s2p/kWvV4lpyFTiPUq"
    "cxOLNq9ZmNfwURJNfFMmSwG8mJ5uEsAY2Q/aeXnKpnEp4xpqQh55oOBZvqf1KbysVeNgPj"
    "6ock6Ca5UCLWWv+tnXbV4pVn8MZQAwhkV5xbwT/YlRe5Zf4yx/AJvFwyaqR+jlDBu3cKyF"
    "0mu/ndDukRfQfKk/x6GseVofUIj/9EfN0rZ1fUBh/ll76CF7bBadtA8ku3PP2Sc6W0O8fS"
    "usW+fg6PTo7PDkKCbb4pZ5HNtiPu0RelRzYytl0sCS6rW8A8VDpYFwqN5AdA/296tUrO/v"
    "l5esC5ly8pJgBnFBbFG+YZgy2fxm4esEEzXcFix4mT3/D4kZcwU="
)
