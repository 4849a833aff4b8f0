from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "outbox_readers" (
    "name" VARCHAR(32) NOT NULL PRIMARY KEY,
    "last_id" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "outbox_readers" IS 'How far a worker that reacts to outbox events has read (by outbox id).';
        CREATE TABLE IF NOT EXISTS "subscribe_messages" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "key" VARCHAR(96) NOT NULL UNIQUE,
    "kind" VARCHAR(24) NOT NULL,
    "user_id" BIGINT NOT NULL,
    "order_id" BIGINT,
    "outbox_id" BIGINT,
    "openid" VARCHAR(64) NOT NULL,
    "template_id" VARCHAR(128) NOT NULL,
    "grant_id" BIGINT,
    "data" JSONB NOT NULL,
    "page" VARCHAR(255) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "error" VARCHAR(255),
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ,
    "claimed_until" TIMESTAMPTZ,
    "sent_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_subscribe_m_user_id_fd7ba5" ON "subscribe_messages" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_subscribe_m_outbox__431407" ON "subscribe_messages" ("outbox_id");
CREATE INDEX IF NOT EXISTS "idx_subscribe_m_state_d47255" ON "subscribe_messages" ("state");
COMMENT ON TABLE "subscribe_messages" IS 'One subscription message owed for one event of one order (sent once, if at all).';
        CREATE TABLE IF NOT EXISTS "subscription_grants" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" BIGINT NOT NULL,
    "template_id" VARCHAR(128) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "source" VARCHAR(8) NOT NULL,
    "confirmed" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_subscriptio_user_id_e14dc4" ON "subscription_grants" ("user_id", "template_id", "state");
COMMENT ON TABLE "subscription_grants" IS 'One one-time acceptance of a subscription template: it allows one message.';
        CREATE TABLE IF NOT EXISTS "review_media_checks" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "media_url" VARCHAR(512) NOT NULL,
    "trace_id" VARCHAR(64) UNIQUE,
    "verdict" VARCHAR(16) NOT NULL,
    "label" INT,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ,
    "error" VARCHAR(255),
    "review_id" BIGINT NOT NULL REFERENCES "reviews" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "review_media_checks" IS 'WeChat''s asynchronous check of one review image (mediaCheckAsync, then a push).';
        CREATE TABLE IF NOT EXISTS "shipping_syncs" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "state" VARCHAR(16) NOT NULL,
    "error" VARCHAR(255),
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ,
    "claimed_until" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "transaction_id" VARCHAR(64) NOT NULL,
    "upload" JSONB NOT NULL,
    "confirm_reminded_at" TIMESTAMPTZ,
    "settled_at" TIMESTAMPTZ,
    "order_id" BIGINT NOT NULL UNIQUE REFERENCES "orders" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_shipping_sy_state_a5bea7" ON "shipping_syncs" ("state");
CREATE INDEX IF NOT EXISTS "idx_shipping_sy_next_at_0783f7" ON "shipping_syncs" ("next_attempt_at");
COMMENT ON TABLE "shipping_syncs" IS 'The upload of one shipped order to WeChat''s 发货信息管理 (money stays frozen until).';
        ALTER TABLE "products" ADD "rating_count" INT NOT NULL DEFAULT 0;
        ALTER TABLE "products" ADD "rating_sum" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "reviews" ADD "published_at" TIMESTAMPTZ;
        ALTER TABLE "reviews" ADD "state" VARCHAR(16) NOT NULL DEFAULT 'published';
        ALTER TABLE "reviews" ADD "replied_at" TIMESTAMPTZ;
        ALTER TABLE "reviews" ADD "moderation_note" VARCHAR(255) NOT NULL DEFAULT '';
        ALTER TABLE "reviews" ADD "reply" VARCHAR(500);
        ALTER TABLE "shipments" ADD "carrier_code" VARCHAR(32) NOT NULL DEFAULT '';
        ALTER TABLE "shipments" ADD "waybill_token" VARCHAR(255);
        ALTER TABLE "shop_settings" ADD "subscribe_templates" JSONB NOT NULL DEFAULT '{}';
        ALTER TABLE "shop_settings" ADD "order_expiring_notice_seconds" INT NOT NULL DEFAULT 300;
        CREATE INDEX IF NOT EXISTS "idx_reviews_state_6e2876" ON "reviews" ("state");
-- Reviews written before moderation were all published: they count in their products'
-- ratings from now on.
UPDATE "reviews" SET "published_at" = "created_at" WHERE "state" = 'published';
UPDATE "products" AS p SET "rating_count" = s.n, "rating_sum" = s.total
    FROM (SELECT "product_id", count(*) AS n, sum("rating") AS total FROM "reviews"
          WHERE "state" = 'published' GROUP BY "product_id") AS s
    WHERE p."id" = s."product_id";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_reviews_state_6e2876";
        ALTER TABLE "reviews" DROP COLUMN "published_at";
        ALTER TABLE "reviews" DROP COLUMN "state";
        ALTER TABLE "reviews" DROP COLUMN "replied_at";
        ALTER TABLE "reviews" DROP COLUMN "moderation_note";
        ALTER TABLE "reviews" DROP COLUMN "reply";
        ALTER TABLE "products" DROP COLUMN "rating_count";
        ALTER TABLE "products" DROP COLUMN "rating_sum";
        ALTER TABLE "shipments" DROP COLUMN "carrier_code";
        ALTER TABLE "shipments" DROP COLUMN "waybill_token";
        ALTER TABLE "shop_settings" DROP COLUMN "subscribe_templates";
        ALTER TABLE "shop_settings" DROP COLUMN "order_expiring_notice_seconds";
        DROP TABLE IF EXISTS "shipping_syncs";
        DROP TABLE IF EXISTS "review_media_checks";
        DROP TABLE IF EXISTS "subscribe_messages";
        DROP TABLE IF EXISTS "outbox_readers";
        DROP TABLE IF EXISTS "subscription_grants";"""


MODELS_STATE = (
    "eJztXWtz2ziW/SssfZlMlabLkeM8Zra2ynGnuz3txF22szM13V0smIQsjCmCTYJOtLP57w"
    "vwJT5AiqBJiYTulzwIXIo6FwLvPfeB/8zW1MZO8N25bfs4CGZ/Nf4zc9Ea83+Uh+bGDHne"
    "dkBcYOjeieaieBKOp90HzEcW4wNL5ASYX7JxYPnEY4S6/KobOo64SC0+kbgP20uhS/4Isc"
    "noA2Yr7POBX3/nl4lr4684SP/rPZpLgh278LjEFp8dXTfZxouuvScPly77IZorPvDetKgT"
    "rt3tfG/DVtTNBIjLxNUH7GIfMSw+gfmh+AbiAZNvm36p+GG3U+KnzMnYeIlCh+W+8b25vT"
    "YzzU/Xd+bthzvTnClgZFFX4MsfNdbXg3iEv7xbLE5P3yxOTl+/PXv15s3Z25O3fG70vNWh"
    "N9/ih9miFd8qwuzyx8tPd+KBKFdirF5x4VskgxiKpSJlbNG3fCzwMhGrauF7PsLIGsv1UJ"
    "Qs6cNORL9L/1HWTqqLJvWkF7b62S7LfSiIf0H72nU2ycJowP7u8uOH27vzj7+Ij1sHwR9O"
    "hN/53QcxsoiubkpXX7z+c1FZ2U2Mf1ze/WSI/xr/uv70IYKXBuzBjz5xO+/uXzPxTChk1H"
    "TpF5P/mLdrOL2aosZnbrUeenZHrRclQetj0XqKUU7tydNvtR79XdH3xQr5cl2n80ta5mhN"
    "Ua9r9NV0sPvAVvy/r1816PV/zm8ufjq/efH6VUlXn5KRRTT0rQCuxyFSQjcT0BDe00ULeE"
    "8XtfCKoRK8Pn0irqWGcE5GQ5D7X8MWYRsVgNP5AG4LcG0iHsCSvHHrAc7LAMhtQMYMEUcJ"
    "4kxCQ4AXZ2ctEOazaiGOxooYkyB77ArO7yl1MHJrPLeCYAnuey45FN7ZlQEAb/LIrq+vCq"
    "bh+8uSf/bp88f3H25evIzg55MIK7htOYM9wL6p6innhHa7y1NY23vzmAVZsXyUOswC1Koa"
    "fqA+Jg/uz3gTqeKSPzeSWx4JO/M5uc3EVPAtXWPp1VnmcProS8bu5Jce/+78G+N4ZV+c31"
    "6cf/9hFiF8j6zHL8i3zQLUYoQuaOlKNrc6tF6sy1eQix4icMS3EM+ccWJr4s6kZJkYmDdT"
    "ZXwK8GTAk1W0ADzZFBkT4MmOUetteDLx8lLlyvIy/TgSh910h2bLUBB8ofx1vkLBSonTKQ"
    "tq6LW9XLxtgTefVQt4NFahHzwHbUzVhV2W2x/es9lEFzf3c7l1SJ4kOO/yj7dye3SP041l"
    "st4xBy4IPezLfbNdmBdEgZVQwN1BATMd+kDcDhZSRbgHIylZyWPZ1qdrE8WmcIUGqffac4"
    "uCPgSSH2Ei9cPPN9hBEZBVleed8Sv6MFmFV+iRb88kNbbo+nwvk8D7EbmbOyr+bMk/3fD7"
    "TM4qbWCfoq9lllid9Ev6YslxZywd3lI5S+pHCnjEmxTdhLbKdJMMxTLJIFv5NHxYZdfNTC"
    "1StotfNytAf9vNVInfQB1Zlfw+dvBVZvprBM7q+DireAV08Warkhq6Wf0b/sJ6j19srYG2"
    "al6FvQGsE2vAkM/3oBgjBZBLYtp5sP1n2ySIybbvnTBL9/Dpg7y/XIW/315/UsxVsInFjP"
    "8zHBIMFted/dcydKPdyrgPicO4MfSd+Nj/Hgr+BrgFQgW/KYX5xcfzf5Y1cHF1/b7sEIkb"
    "vC+TCJ7KYo9nwyrfucqnFTjb69tymhGUNnGz2H5Utf7zUp0SVkbGBowiXwWlmQ3PTFjJMi"
    "SmpYO2CSv5tVfw4fkDGJ8+X10dKmXlPXLdyOmu0ADJyLyJBLiP5gADcKQMwLRevpC/0M/b"
    "F7JWdNN6m6wVRpijRoukAuDF7A7pr/nbWck/TAU0JE7PXrYhnPisWoCjsVIsmbiPysxeQW"
    "iPy9hNSvf2kAv0uk0qUHnbyWUCvZYBrYqxlrvEIMuYb+pENQiQl9kjyiu63tMi7p+gDqjP"
    "TOrbsnyfWt+iKLS/kpiTYX2MxctXb169PX39KnMtsitNHkU1nQe74lvKHLamDKqcFOSstc"
    "+dChjyWdDBRi8IQs7UeCzyqiOGXbuLhnNioN+x6VchJ25IWvCCbwKXDK9nEmIwG5s3UYMW"
    "n2Xy7Wk9ADv4a74AMHgMxb9+B8oQKEMgj4AyBK0f6AUmLXSDrgJ73HZz5n/8UlRCfisDwH"
    "cG/o8QuUza56gW97yITsj3RhwE2MEWU2YO8mJAHTRTB6NxOxh+oP5mJnU7krF5s9sRzSLQ"
    "chY8DPAw9LA1wcM4Rq238TCg5eyAQTBiqcUZ0/kQyW0TyYUQ4wCewhMJyL0sTanRUchJgZ"
    "/QPsToIR+78iquJmu3IDZQHr6eVm9DGn4MalURynn4eS9rUmpom4lfWH6FVPwbbo3cXF7c"
    "NaXi59yMFXFsfivJ4lfoRdEr3KOofChuET61Q4s9s2HHL/FdNMJoUA6Fhh517/DaE10pZj"
    "ImpThj3sinRHNNlkwGVkXj98scWJUj8q+BVTlGrQOrcuBSj0f+vVTATedrCG6bNqT1TUgr"
    "LUjRmobcsqfLpZqhUJTThlTZc+Dbw76F6+CvJwOKUtqA3xujJX4wNgkssUTVlnVZEloedF"
    "3abMXfrSvqKDogBTFtVvaesX9CDrHNpU/XqhZoURIy3cdjcFb9jFhXfKOSNaxqo+ZMFPQ8"
    "fj3baCNhBGv30aKQRq+x3owERhlyTIesicRGqH8/FaUAWKlRG7UpVca2Krg/A+DlRMAlQR"
    "Bi26wxbet53ZKYNpZVf/myFlXrc5AJ7DF1AznObCg8B25xEMFlElvyEqtvrlkQGkd/TfF5"
    "2vTX7HQkCpyHMkCCeHmHf17wV5xkGQcsJ8h3HiQAfGnjtUcZdq3Nz1iaSl+aMW8KAJPtXH"
    "FWwdDVvOI4BCjlHREVUx8ShvK+g7Fij1hSYNYQQ8Ky4jIdQkiDnGUXJdgqr+y8lEa+9J5X"
    "9rTyTKCfd+c0k5FUHF5HyfQSG+k6zbKvN42iXzxkxB2p+TOtnQpyo7pvVZARp7PW22TExb"
    "adS1WM7ryMdkd2919tOFZvUtcXW6FVJAslXHZDvCCT0O9YuUWbjM9FfcbnopLx+UCpaLi4"
    "Vk/hKksCY9J5kS9FHdyKdVJDVRYU0VkRaUpiJ01IhEEV3VN20aaTFopyoIDOCuAGKLdRlc"
    "LIOZH9B5EPk+U2SLjYx2vkKx1UsJXQrsHF4uysjdFzdlZv9YgxiUGflI92susLssCod97l"
    "fSw2bLXDdgtCndb72LAfuKwLf/UI3266tGMvSOoXt5guDVRl/zxEulB/OTHITx+zfoMV8b"
    "xO7G5RErQ8Zi1bdO2Jpi+dYjclWdD0qDUtmh05TjdNl2RB0+PXtOljFKh1LawI6mft9p8B"
    "7+NlyL9Zl59VSRR+VWP+VcXKiopoTfUwkVxav99X/yGjgFHrke9J/G9fve99RXiPxQ3ZFf"
    "2rG1ZEICxJxFUpb4jSzH7a3mmatG1zF8DsFLBnwpQeOqYjRvFe+UyUbqKb3GD+taccBHhm"
    "uUzRnV9L+6KmqF67+I7yP3Zje5u717ReVq3WX8Rf8LuYwca1+sJL3PA2uZ8mmHVJL06397"
    "os49z2vyPZ2My9cyDnWNfUrPqc446GOFjgyhY4d4rUcS4IaVht1T/MfP+ikgMQ6iHOBDSE"
    "t/+opEuZWifPZD5kOLTJcIAKkHr0p1kL0KYC5EDVoaPT8BiOvag5P0f51Ius2G9iSqhzU+"
    "alQy/yq69w5sXF+e3F+fcfmo68GLz6su6c+QLns8sxGuikeXCLxrILzBvconGedqyrHirH"
    "u6gfAVWQA/y74s8Ic5Ts+0xAQ+9pcXLSxsQ/Oak38cVYKRDnYUutzVsqMI4Wb+JjtWnxZt"
    "En0VbTl/QIbsjvyAtp59cOcjSl5xNL1kmvcUcnUvsafJv2u/kfIXL5Bi0JKNfCnhfRCfne"
    "WqH6+IngL8opFHkxSJ5QOBMUyBEgR8aihMmTIyG7p18/POHoyav0SG543kiQRBNNLGYCRa"
    "K1a9jQrWqFXBerWc5bEQ3dxQGCbXBs3nDgioWt4oen86FI/jkONwQ4jzDA6YX3/Pex6qT3"
    "siyUd4y5vIN/L4zWiq0BCkL6pZL139nOchBf6R2PN6sIwy9qbL8oheKR4d3FG/5aqmlonB"
    "+ft3AY/WhqO49x9hP9wod8AxlfqP+IfYOtEDP4LSwWGIwa8T2N2Ak1VigQY7bx4n6TDhH7"
    "z9/NSgumx9s+w3M9rGGvYdfPejfVQYF6ODknpM1hYHuOPUBb43qFTNPSl7yusgKWEbytfk"
    "GbdQ2xmQ41vqO8eBLwmUfKZ4430KSrLnLYh8zkD2Fj1Y7oJTn9mkf37zzyj3IDFGX1KPrp"
    "VUnt7NH+aeYu7XChFW4/vYj5zkw97Co2qizJaZfh1f8aH0UTw7Gt+ula9VVaN3TxVw9bTD"
    "ntqSgIiU8KiU8uZWRJrKwpQts4ZVkO0oYhigncxrTPFPwlLm+ZybiNZGjeyG3Ek4Db0Nqf"
    "hpMFYcMCCl5nrddR8FDCV3uad5sSPj6r4TTvaglfeK8Mcl5GO0ZhkF4o+SerAH2Hv9Yd6F"
    "UU0wDrpr3pwz/vmr2bbGu6uv70Yzq97PIUgSdrboQqlahuJcbhbIrP08bZFPW/pviPctXw"
    "VgrU0j8HIKqAVd4AmYAGW9IeSoY5QgGSvWMb+cacFJCNCmSjAE3WKrip3UkqAhlS3QJUa+"
    "KaHQrjC2KAfUfs+f7VBfu8GGDfDXvkWyvy1ImXKIlC5vp4eIgq/cRRF+2/LXn+Q+1vrCym"
    "zc+svxYUMUJBuFbbvYpy2uC65+3L4ug8UF9+/mkT/CXBgc6f1TO40dCUIoW1qgzlvhQXuV"
    "tNShFtG1OUlmChNwV/BuPT56urpuYUhQaJzzxa5PYxnCC9XIe02oEiiuHfG7zk7+XVHX3E"
    "7kwSAy6Mz5sCwX4802RiastCrGsXGyQIQmwbibgRif/NQFxkTZwNHzYon+XQB+L+KTCsFU"
    "fGoEvDpyxaBUG1Dqu3uz4jKP1vRlQYnGQ6JL2W2Js0IbDhlIlIoSpYbyX0y+keIMk4tAl2"
    "Zd5sw7kHORkdI3+9H1EZhPf/xpZiKndOCMpDuprc8XuiA19QEIQ0hrHQB22SV/BXj/C7dV"
    "B6UXI/Wj+AsT92JbdLLA+65ScFwAFOQr8+fuJGfbdTnfOSoOWxaXkkmdHFA0rlvnHxBNNG"
    "51icLu3HcyFZWmvrEpKlwd6EZGmdtd4mWVo0EEi2ffXOAwVBYAV3slR8GQWyZN56lLcSGj"
    "JUg2RNQ7uBA3FU6mf7Dn+w7+E2j/7Z1wMeVD26BT7wEco2tojNDZp7pYhNUUq/Nq4DdCBP"
    "EFM3OYuSQI6Mx8KUUWCRlajWhKYgBL+l3b+lJSJO6CsFQHMi+iE8jHHJ1/kaMWJJ7Mumqo"
    "yCHNRlKNRlJE0p1c9DLcgNlGp4BFb9eJtCagp+Q6InnD5mtEryHOvpYzfREYgzaYwmGpk3"
    "B2fEHAjKHGlQJlnUDMsPF2mxG29F+9mSj0YpU3gb6o99GHSAPicEdkhn6JPuaepGeEEOln"
    "5X/OO6tSr2t2vkODuq3XRb+qeLN68zsMV/muC9/Xh+dSWpYKMuw7IgUVPzikxEu/YVL09O"
    "WjWJ4tPq4xXRIPTRGXHDFhEEUmvZlQrsLTy3PexwTyu/9yidcNz8qDjLdKka3BJR7baaQV"
    "hZH3tqtVWZgH6091mrrfysYSc/q27kAi/SMYk5LwlxujHH6eCQ2mPRNCT41u+m00z17KF9"
    "e86GwTZBprXC1uMzWxzEvPZHcb8LcbsJLogD9Tso4VYbMyhiuyt6YJZVu7v5wT8wt6PYnw"
    "IDBRvXWvnUpaFoRcDvIFoRiP4E8b2NyHkzXqyzJzoXEnODrbBrIMMLg5XkONoB7g8xjlHz"
    "WlB4Au8lKDzRWettCk/iN1HoO0oUSV5Iw1TmQRoJixc8Vj/pMpPphSTRuq7nCfuCoFYBOC"
    "eyR5LPw66dxISmSK7yL48l+0XDKfbJfI3y/3prookYw2uPSTy8+jqpnIg23TN7A9TFX5mZ"
    "QNTBmJGIA4s2HgOmardi36dKByBkAvqFHQaK60SchapPXhDTKfXhsNnHfpaj+sz0422y68"
    "TU0Db/uLAAR5WATCNcq1SiuD5vpA9pctYFpB4DLQe03NQJGqDljlHrbWi56G8FmzadD91f"
    "drJEjec5NrUV0O08xz24Dh721yQIRI/0Ktb1+aclMUhCLexaXZNQFZIQnmn95tgte01kuv"
    "+I3M0dFX+29FbOxY0mt5c1uCrR9zJLHkD2LX2R08Hf3ZnXlxr+S+pHKnjEmy2+iY+T6ScZ"
    "FELJEFv5NHxYZSJmdkOpY8Svm2UD/VujT3O7Ip6o9J5J/JpsbN7k2wTJLPBvjtW/Qb5PFM"
    "8y3YpoGIbs3/ZJ8OII2krmZVlOO+vntE3A97Q+3nsqDfc+imPO1Po5lsRgVbdY1V/Q5p44"
    "TnyYkArYFUGICLQy64GJqkd/mpxEGyZqLFX3R2IqPctd29mt5trFd5T/0dL96tyrZqzu13"
    "M61Twr+COcIY8/9O3GtWY1zlI2Pt/lMHnRQap8ass08rsVNkLPochOs7qju2D+X4GBwaiR"
    "ZYL/Fp6d2i9/C9/aize/ha+WmP/79cnr5W/hm3vE//3m1clr48Wa32Rj8PWzCYylT/8Xu0"
    "boMuJIcsz3/eHgCY54e5tDpAvsC4h0aa31NpGuCbRD2Juz1n+qLiTHDd2KFtJ3I4vh2NN3"
    "4eDFjjXwDuIqsM3IbFe29srCkKk9Zl0LP7WTfVcQBB2PWcf8a7kBilIn1GvdSpLaRZn6D3"
    "3EdEoV5vrcmq3EONJqxMdOOq2m1NFwSfy16eO1wKETgyG/Bex6Y971AsyY0+3VVpAELY9Z"
    "yxAAgwDYtJQ1zgAY9W75rsefO14FlQBYbnzeHACjnhnkp44ma/BYAkXPpH12nbMg3nnihN"
    "sA84+3VUi2Wvn9MW4v355MhXSLXnup5WmjjRKdKZPdH8pvJgKxw22NgFHr0WQrbpOsqKOy"
    "bdRI73ExT2UpL0UZ9IqZS0dmjNcCXBbbH7LT2SU4RtjMsk66LOOGO+wP8HfvJoN4EN6L57"
    "jnhglee6IkRKmOqkYciJ/eiZ/Y3MBfPeLHyduMWLiz2dJwn/39TE4n8yuBxJF6qPVKHNlf"
    "CWOzC/sYzmSeK788b3RYH8OWeZrXLuY75UYIGk/IJ8hlfzOQb63IE7YNvgBXIl9yhVwj9t"
    "XtuREQ18JxJmVgINc2LOSzwPAoXwsGYgZh1YzM4T4Gci9HzKzNGxxvyL3UbTOF3Mtj1Hqr"
    "3EsPW2oORSoALkTvLoTnE0uSCNt8sCORxiygvd6u918+/5jGhza09NCy+ZC6WT3PUbGqXN"
    "dq8v7zfFKbvMMLuiQKKQbjeSFX7TA44ncEeQYVdVR1odxt9Zftnaalh7YpBMUVWEgiuOE/"
    "i5vLi7tD9Vu9TWnwjzgIULSuqtxNec68kcjJiPV1PF2B1klko2tGIm7QL9g2ltSPqmLxE3"
    "ZZWiIbl8a+CKJLfInNDbIUPAtyZCW2Q3wAUDkj3rzmQOUckVMPVM4xar0NlSNa/lXUXe96"
    "JdO1axf7rk0F7bv6Ctp3lQraR/61lJBN5mvYuWvRxq1d1Lu1i2r5StAhoTonBI5OV9rrQL"
    "nsI6MODoR9yO7pV3Xw82IDoX8EC9/Drlph4lYCiMqdRGWaaKZa/FkU0w7ol4u3bVp7LN7W"
    "9/YQY0WsH3zkqlOFeSnYw7tuI8LpVomcpvMhcNp/4DSh69ruNel87TaZQRrcQH8m6M8E/Z"
    "kgyD/x/kwQkZ5DgybQ9a42Fm6X33RODPQ7Nv2OpWQiF5T+UXigs/ogfG7SvEUUPppuRm6t"
    "QhieuvgvYkUayLKwF2VviIg4KobPU17irwaJIuL0SxAFzZOwujwA39+td4fef83T4SUWJb"
    "bEf4fo/Cij82ONfRwBeTM1knJ/Du4QNOX4GAQJQ4OeEInvsB+ge2cSAhr6svqBBpgzCQ1X"
    "cpt1XL+KK2s46W+CZds1pQ5Gbl2Ke06uBPM9FxwK5+zKfi3i99fXVwVj+P1laTP+9Pnj+w"
    "98aUfQ80mE1ezRkLxWv9KnmcbUKnkt6Ja5FkB9w6HVO3YP9HMQOVAVpzO6Pm/yM4XRPbL+"
    "cuCm7ctNg/fQUb6HIIlaM623SaI+fG7YiFKpB2hW7/IHUsM3JzJQwFsngF1iPUb/VkA4L6"
    "NdRswAhdhP3FDwzdCXxELrQS5KaQfz2cs2x6fzWbVAR2OltC6OkVpeVyqg3U7R/+n098h1"
    "lcmsrRAwWQpMVgybyc2mgCodT18R1G7jGCTly0EBMx36QNwO5ntFGPik8RjsynxS7r1t2/"
    "xjA1n/3PeJ6A8/32AHRWhW9Z6QRefxbSbottX1cfg2NOd2QUMvelQp85aMznfxb/zBxUSg"
    "4Y6UhhtrtoSumhhz+P5whnjPUWUowj3csn5CDuHWgk/XqiZiUVJDhnfqBmJVzZ2S10uioO"
    "hRKzotNegQpytIaqjmiUZsIF8EftWNmbpNRlJzri4kSzcbShWKpaqRqjqUe2LGvv9d7oYT"
    "U0gdpzIv9cYsLcZRNcc8xz6xVjMJPZOMzJuoGbSdMxpS5lgYmcHO3nzCfkDUQhU5EQ2TyY"
    "epTOc/KgWEk+kaovvy5KRNMcTJSX01hBirJOwz7EoMw/oWLTmR/XdpOYw92Fs/loPm+H77"
    "f1oCaGA="
)
