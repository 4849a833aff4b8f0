from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "outbox_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "channel" VARCHAR(64) NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "published_at" TIMESTAMPTZ,
    "stream_id" VARCHAR(32),
    "claimed_until" TIMESTAMPTZ
);
-- The sweeper's scan: only rows not yet published, in id order.
CREATE INDEX IF NOT EXISTS "idx_outbox_unpublished" ON "outbox_events" ("id")
    WHERE "published_at" IS NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "outbox_events";"""


MODELS_STATE = (
    "eJztXWtT4zYU/SsefymdoQyEZx/TmcCyXbqQdCDbdrbT8Si2kmhxpKwtA5kt/72S/H4lVk"
    "iCbfRlF6R7belcWdY5ujLf9CmxoO3udS3Lga6r/6R90zGYQvZDtmpX08FsFlfwAgqGtrAF"
    "vhH0zYYudYBJWcUI2C5kRRZ0TQfNKCKYlWLPtnkhMZkhwuO4yMPoqwcNSsaQTqDDKv75lx"
    "UjbMEn6Ia/zu6NEYK2lWousvi9RblB5zNRdo7GV5i+F7b8hkPDJLY3xbH9bE4nBEcOCFNe"
    "OoYYOoBCfgfqeLwHvIFBb8NO+Y2NTfxWJnwsOAKeTRM9HhpxmW4Yvf7AuLscGIYugZFJMM"
    "eXNdWP15g34YcfO53Dw9PO/uHJ2fHR6enx2f4ZsxXtzVedPvuNidHyLyUwu/rtqjfgDSIs"
    "iH54ecGz8AEU+F4iGDH6pgM5Xgag+Si8YzUUTWFxHNKemXhYgete+EM2OmEsFoUnLIjjEw"
    "/LbQSIddDqY3seDIwF2A+ubi7vBt2bP/jtpq771Rb4dQeXvKYjSueZ0p2T79PBii6i/XU1"
    "+KDxX7XP/d6lgJe4dOyIO8Z2g886bxPwKDEweTTYwxyP4bA0RI1ZxlH3ZtaKUU97qqjXJe"
    "ohRomwB62Poy7+z8X7YgKc4liH9pkoM7SaGNcpeDJsiMd0wn49OVoQ1z+7txcfurc7J0eZ"
    "WPWCmo6oek6BO2MQSaEbObQQ3sNOBXgPO6Xw8qoMvA55QNiUQzjh00KQ1z+GTUTnMgCH9g"
    "rcCuBaiDfALHjjlgOc9FEgVwEZUoBsKYgjjxYC3Dk+roAwsyqFWNSlMUZu1OwczueE2BDg"
    "EuaWcszAPWSem8I7KtkA4IsYWb9/nVoanl9l+Fnv08355e3OgYCfGSGaom2JBbsLHUOWKS"
    "ecltPlJoztrTFmLlaM7gsJMwc1H4b3xIFojD/CuQjFFWs3KF55BOrMp+AyDQvBczjGwlI9"
    "IpwOeIzUneTQY31nPYb+yL7o3l10313qAuEhMO8fgWMZKah5DemQTElkm6+adqbZEoDBWI"
    "DDe8HbHGliU4T1QrGMV+wulsqYidLJlE6Wi4LSyZqomCid7C1GvYpOxl9eslpZ0mc9ROJ1"
    "J91Nq2XAdR8Je51PgDuR0nSyji1kbQedswp4M6tSwEVdTn6Y2WBuyA7srN/28Nb1hg5uxn"
    "PZ6hA9FOC8jB/Hflukx+HE0lh2zIBzvRl0irnZMsxTrkqVkMDdBi41bDJGeIUVUs55DYuk"
    "YCTXZVpv7prIXwrnZJBy1p4YFGTsFjyEgdf7j7fQBgLIfMiTZPyajBsb8Jw88vxCUSNG12"
    "FzWQG8NwDPB4T/W1F/umXXadyqdIH6JLplZFSdsJMOH3KMjIXVsZQzIo4IwD2ch+gGslUU"
    "m6DK9wkq6cQh3ngSlRtRWArVLlZu5IB+Xq5U8WegTKwKno8lepURPo1Ks3p7mpU/AlZhs3"
    "nPFtKs9S/8+erdf7FVBtoseRWuDeA2qQYUOGwO8jGSADnj1joGu/5smwCxoul7KcyFc3jz"
    "Qd5ersLvd/2eZK6ChUyq/afZyN3Yvq7+y8jDYrbShh6yKVsM7fHb/rop+BfAzRFK8aYQ5p"
    "2b7t/ZCFxc98+zhIhf4DwrIsxkBrtvrUb50lHerI2zrb4tm7mDUmXfzF8/yq7+k14rJazU"
    "TA2oRb4KCDMbXpiwEmVINCsGVRNWkmMvxeFZA7Tep+vr10pZ6Xt0SJ4uH6Boek4LSFbvLp"
    "IDiDA0ILdUisAbVQTMCcAYSuXHJlyUBlBhvaMO2WySMrGBLUWYAvvt06XX2VXaCDFq1gpe"
    "JUGtZwk/84bs+ZisFPesr9rZrdvObjLSrF8QTCXFvpTTSu+umkV005KqaQM20i3Dw7RI9F"
    "sykWad1RNVtydKIldik3TxFo5YRyYDcg8LDzqk6ncXEUbHt2Qsj5lWY4x6H0MNua4HLS1w"
    "14T7zxpgLlNkz1m1RpiVSPz5ztUYvUBYIyPNIVSkhbh7ema8rO+qL+CtXyiSmR4Dc5UJXL"
    "KkL6eofkBlsI491B5qhT1qz0JQ8iB90qeFPPXgpEq6dfaFksi2PsmC7HrDL7DoqPciqSvh"
    "tKnjmm1VvJKpwPw9sQJnSTkqqlqX9VYVqgqfZohdbYWgpz3bt8XYkCBXoqmeu9pBPFfJEI"
    "2IrwMf2KJ+lRCnPVWU6xblulBjIrqbp8RBlvgCKhxmd6s907auINXJf7WmVCf/2xz1gtdT"
    "zb6Q2UKdL5ntHDdLAuGMW+sSbjfyhbYZdKbIdbnunce6PFsi41aPHHN+v0bnmG9v9ZtJ+l"
    "zHMdGqWZ/1mstkz4lGvcweFI1P26bPiaYOg2ZPiiYOkb7wnGh0dLiU04jPyBVwmvDzcuWc"
    "hh/uU5xGcRrJ1a3iNPVc3SpO8xajXoXTkBnEcrldsYfiNUt5DeslkcQ34bKhzLk2AYyReS"
    "/NyxM+raOMG8gJeWALBcfwHKmTIWmv1sF8fFAlB5RZlQIt6l71r4TUeaZYf4rtkJ9UKuIV"
    "iz4AFzupT79JfPrNh81gyyZXTtDLObZu4tiIpKc+taf2yAtkvsRfb8zMeVLf24v+UmTDaF"
    "uZ0PfS7+0t1Ny60EHmRC/6MJtfs7vws2yxTW2Et7eiunUOjk6Pzg5PjiKxLSpZpLEt19Me"
    "oONKbmwlXFqYUr2RdyB/qCQQDsxbiO7B/n6VjPX9/fKUdV6XOaBGMA2+IlF1wzDhok5Y13"
    "ZbsOBl9vw/jXT1gg=="
)
