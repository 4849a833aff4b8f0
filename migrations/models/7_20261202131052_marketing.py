from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "favorites" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" BIGINT NOT NULL,
    "product_id" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_favorites_user_id_2aaac6" UNIQUE ("user_id", "product_id")
);
CREATE INDEX IF NOT EXISTS "idx_favorites_product_82d935" ON "favorites" ("product_id");
COMMENT ON TABLE "favorites" IS 'A product a customer keeps (one row per customer and product).';
        CREATE TABLE IF NOT EXISTS "flash_sales" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "title" VARCHAR(64) NOT NULL,
    "starts_at" TIMESTAMPTZ NOT NULL,
    "ends_at" TIMESTAMPTZ NOT NULL,
    "started_at" TIMESTAMPTZ,
    "ended_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_flash_sales_starts__1304ed" ON "flash_sales" ("starts_at");
CREATE INDEX IF NOT EXISTS "idx_flash_sales_ends_at_e1b46f" ON "flash_sales" ("ends_at");
COMMENT ON TABLE "flash_sales" IS 'A flash-sale activity (秒杀): its SKUs sell at their own price from their own stock,';
        CREATE TABLE IF NOT EXISTS "flash_sale_buyers" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "item_id" BIGINT NOT NULL,
    "user_id" BIGINT NOT NULL,
    "quantity" INT NOT NULL,
    CONSTRAINT "uid_flash_sale__item_id_e3e453" UNIQUE ("item_id", "user_id")
);
COMMENT ON TABLE "flash_sale_buyers" IS 'How many units of an activity item a customer holds in orders not cancelled: the row';
        CREATE TABLE IF NOT EXISTS "pinned_keywords" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "keyword" VARCHAR(64) NOT NULL UNIQUE,
    "sort_order" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "pinned_keywords" IS 'A keyword staff put first among the hot keywords.';
        CREATE TABLE IF NOT EXISTS "flash_sale_items" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "sku_id" BIGINT NOT NULL,
    "product_id" BIGINT NOT NULL,
    "price" BIGINT NOT NULL,
    "stock" INT NOT NULL,
    "initial_stock" INT NOT NULL,
    "per_user_limit" INT NOT NULL,
    "sold" INT NOT NULL,
    "flash_sale_id" BIGINT NOT NULL REFERENCES "flash_sales" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_flash_sale__sku_id_564f3f" ON "flash_sale_items" ("sku_id");
CREATE INDEX IF NOT EXISTS "idx_flash_sale__product_de284a" ON "flash_sale_items" ("product_id");
COMMENT ON TABLE "flash_sale_items" IS 'One SKU of an activity: its price, the stock left for it, the most one customer buys.';
        ALTER TABLE "order_items" ADD "flash_sale_item_id" BIGINT;
        ALTER TABLE "shop_settings" ADD "flash_sale_timeout_seconds" INT NOT NULL DEFAULT 300;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "order_items" DROP COLUMN "flash_sale_item_id";
        ALTER TABLE "shop_settings" DROP COLUMN "flash_sale_timeout_seconds";
        DROP TABLE IF EXISTS "favorites";
        DROP TABLE IF EXISTS "pinned_keywords";
        DROP TABLE IF EXISTS "flash_sale_buyers";
        DROP TABLE IF EXISTS "flash_sale_items";
        DROP TABLE IF EXISTS "flash_sales";"""


MODELS_STATE = (
    "eJztXW1z2za2/iscfdl0Ru3YcpyX7s7OOG7SZpvEHdu5u7NNhwOTkIUVRagkaEd3b/77Bf"
    "gmvoAUQZMSCZ0vrUPgkNRzQOCc5xwc/HeyojZ2/B8ubNvDvj/50fjvxEUrzP8oNk2NCVqv"
    "tw3iAkN3TtgXRZ1w1O3OZx6yGG+YI8fH/JKNfcsja0aoy6+6geOIi9TiHYl7v70UuOTPAJ"
    "uM3mO2wB5v+P0Pfpm4Nv6K/eSf66U5J9ixc69LbPHs8LrJNuvw2hty/95l78K+4oF3pkWd"
    "YOVu+683bEHdVIC4TFy9xy72EMPiCcwLxC8QLxj/2uRHRS+77RK9ZUbGxnMUOCzzi+/M7b"
    "WJaX66ujVv3t6a5kQBI4u6Al/+qpG+7sUrfP96Njs7ezk7OXvx6vz5y5fnr05e8b7h+5ab"
    "Xn6LXmaLVnSrELP3P7//dCteiHIlRuoVF76FMoihSCpUxhZ9y8MCLxOxshZ+4i2MrLBcD3"
    "nJgj7sWPSH5I+idhJd1KknubDVz3ZY7kNB/AfaV66ziQdGDfa37z++vbm9+PibeNzK9/90"
    "Qvwubt+Klll4dVO4+uzFd3llpTcx/vn+9hdD/NP499WntyG81Gf3XvjEbb/bf0/EO6GAUd"
    "Oljyb/mLdjOLmaoMZ7brUerO2WWs9LgtaHovUEo4za47ffaj38f0nflwvkyXWd9C9omaM1"
    "Rr2u0FfTwe49W/B/vnheo9f/ubi+/OXi+tmL5wVdfYpbZmHTtxy4aw6RErqpgIbwns0awH"
    "s2q4RXNBXg9egDcS01hDMyGoLc/Ri2CNuoAJz0B3AbgGsT8QKWZMWtBjgrAyA3ARkzRBwl"
    "iFMJDQGenZ83QJj3qoQ4bMtjTPz0tUs4v6HUwcit8NxyggW477hkX3inV3oAvM4ju7r6kD"
    "MN37wv+GefPn988/b62WkIP+9EWM5tyxjsPvZMVU85I7TbXR7D2N6bxyzIivlS6jALUMtq"
    "eEc9TO7dX/EmVMV7/t5IbnnE7Mzn+DYjU8G3ZIwlVyepw+mhx5TdyQ49/tv5L8bRyL68uL"
    "m8+OntJET4DlnLR+TZZg5q0UJntHAl7VtuWs1WxSvIRfchOOJXiHdOObEVcSdSskw0TOup"
    "Mt4FeDLgyUpaAJ5sjIwJ8GTHqPUmPJlYvFS5sqxMN47EYSfdvtky5PuPlC/nC+QvlDidoq"
    "CGXtvp7FUDvHmvSsDDthL9sHbQxlQd2EW5/eE9mYx0cHM/l1uH5EGC8y7/eCu3R/c4mVhG"
    "6x1z4PxgjT25b7YL85wosBIKuDvIZ6ZD74nbwkIqCXdgJMUjeSjT+nhtosgULtEg1V57Zl"
    "DQe1/yEcZS7369xg4KgSyrPOuMf6D3o1V4iR759kRSY4uux+cyCbwfkbu5peK/Dfmna36f"
    "0VmlNexT+LPMAquT/EhPDDnujCXNWypnTr1QAUu8SdCNaatUN3FTJBM3soVHg/tFet1M1S"
    "Jlu/h1swT0t91MlfgGqsiq+PvYwVeZydcInNXxcVbRCGjjzZYlNXSzujf8hfUeLWyNgbYq"
    "lsLOANaJNWDI43NQhJECyAUx7TzY7rNtYsRk0/dOmKVz+PhB3l+uwj9urj4p5irYxGLG/x"
    "kO8XuL607+Ng/ccLYy7gLiMG4M/SAe+/e+4K+BWyCU85sSmJ99vPhXUQOXH67eFB0icYM3"
    "RRJhrTLYo94wyneO8nEFzva6Wo4zgtIkbhbZj6rWf1aqVcLKwNiAQeSroCSz4YkJK2mGxL"
    "h00DRhJTv2cj48fwHj0+cPHw6VsvIGuW7odJdogLhlWkcC3IV9gAE4UgZgXIsv5C90s/pC"
    "1opuWm+StcIIc9RokUQAvJjdIf0VX52V/MNEQEPi9Py0CeHEe1UCHLYVYsnEXSozezmhPQ"
    "5jN966t4dcoBdNUoGK004mE+iFDGhVjLWcJXoZxnxSJ6pBgKzMHlFe0NWeBnH3BLVPPWZS"
    "z5bl+1T6Fnmh/W2JOenXx5idPn/5/NXZi+epa5FeqfMoyuk82BW/Uuaw1WVQZaQgZ6157p"
    "TPkMf8FjZ6ThBypoZjkZcdMezabTScEQP9Dk2/CjlxfdKCl3wSeM/waiIhBtO2aR01aPFe"
    "Jp+eVj2wg79nNwD6y0D89QdQhkAZAnkElCFo/UALmHSjG1QV2OO0mzH/o0VRCfmtDADfGv"
    "g/A+QyaZ2jStyzIjoh3xlx4GMHW0yZOciKAXVQTx0Mxu1g+J56m4nU7YjbpvVuR9iLQMlZ"
    "8DDAw9DD1gQP4xi13sTDgJKzPQbBiKUWZ0z6QyS3SSQXQow9eAoPxCd3sjSlWkchIwV+Qv"
    "MQ4xp52JXv4qqzdnNiPeXh62n11qThR6CWFaGch5/1skalhqaZ+Lnhl0vFv+bWyPX7y9u6"
    "VPyMm7Egjs1vJRn8CrUoOoV7EDsf8lOER+3AYk8s2PFbdBeNMOqVQ6HBmrq3eLUWVSkmMi"
    "Yl32Nay6eEfU0WdwZWReP1ZQqsyhH518CqHKPWgVU58FaPJf9dKuAm/TUEt0kZ0uoipKUS"
    "pGhFA27Z0/lczVDIy2lDquw58L3GnoWr4K8mA/JS2oDfGaMlPhib+JYYomrDuigJJQ/aDm"
    "224GvrgjqKDkhOTJuRvWfsH5BDbHPu0ZWqBZqXhEz34RicZT8j0hWfqGQFq5qoORUFPQ9f"
    "zzbaSBjBynk0L6TRMtaZkcAoQ47pkBWR2AjV61NeCoCVGrVhmVJlbMuC+zMATkcCLvH9AN"
    "tmhWlbzesWxLSxrLrLl7WoWp2DVGCPqRvIcSZ94dlziYMQLpPYkkWsurhmTmgY9TXF87Sp"
    "r9nqSBQ4D6WHBPHiDP+04K84yTIKWI6Q7zxIAPgdeqAekYd+07ZpXdB3HvdqFu2dXBhxnN"
    "9AhhX4jK6wZywxXvvGM+piw6OPBjeItm3ItROR736YFJDs4Ha7tgzHnWHb8MBon+rwM2wl"
    "PByxv/1YlNDPy/WlAF0/Bci80DcGX5V5MZBNeO8c5C9ukCM3INLGegtCdDN95DS3IUKR74"
    "WIEZrlhG2MZ1+Cl6/t2ZfgxcvnJ9/9aBDmGze/fvYNHzuOgZjBl3fiGfTR5QYAsbAh6P7M"
    "RW4gWMupxMLo72FfXIaW2E0bw1v8JWo0Hhe8RVxMH0p8I/5MQzPmnrsj3ENDSV/CDFGup8"
    "qqAeNlODN2tfEyhtKpI86oGUyps4GZKyNZDRsFjgZR6gz025t+w0+xlZGbl4Tw75C1zD/H"
    "VjrOyoGGh6xhcFarzSC9nFXYJqCz1qu2CbQLAyVVQNtHgVLaISk8OrJhcJhAUALam2AjP+"
    "Op0GPajNIx70TvhsTOL/TR4G+4MbgqmG/QuYHcDP3B1ZkN84h0Wd8grhEWOfANlzLDEjuW"
    "HQfbP4bUicdHYwHzXh7yxRV/rLH3vYgjGGEiT0jXLLC1jOmaMAmF/03dKX80v1lIGokAlU"
    "OtZXUsSrxRTIwnQQoIRI2Cy8loTkEFWyEIRLUOhEAMEKpaHh75J2XpDS3CU1XivWRuNTIL"
    "mld7n1y5YWCksFJHMZcwuDINl+EoauLgOTPmVCyu0eUVN2QNkQqSLuncIvHLmSS9PQVCMY"
    "OeuKqX72HWRdZVD5BEMhz8iSVLjq2FnkgLRY169d53GXaxsigYTWl/nTDvbsMId+4JckxV"
    "VEtygK4ue51GhK8v3UBeU+pTs43jnQGZ9TgUzYmSqE4j9bAVKLfQllWiXIUyl2U4Mm1UUf"
    "3TQiHK0ljMFaO8vLi5vPjpbV0tyj4Zgvc2Xq0pw6614VqbSCiCQo9pHUdAtn3NJd70fSIc"
    "fwTQ6cOZNKY1/jhwugfzTZZYQufW1CHDMipXh4zU01mTQmS8V/UW4VmpGFkYWlQe2Vkpje"
    "oxwI6ZoZBP48xGGfiGmavwQAaJjXSVnNRQbRpFKQjdG0Rg/gxnZoKqyjBVQbqkzlqvSpcs"
    "W4QuVTG6szLdWN6HnXR7PrFqqN6krgtbbv8OCyQ5vjU1p1KJvlzKw43sWZM9jrPqPY6z0h"
    "7He0rFTraVehngoiQwJq0H+Vyw2AvWSg1lWVBEa0UkZa1baUIiDKpon1iCNq20kJcDBbRW"
    "ADdAuY2qVIowI7L/QoT9R95kWPZSctDDK+RJElGqjZ6thHaHpM7Oz5sYPefn1VaPaJMY9P"
    "ERZK3s+pwsMOrt0wexmLBlKqge7DmhVuN9aNj3XMgEf10TPt202SCfk9QvbjFeGqjM/q0R"
    "aUP9ZcSgBMKQ9esvyHrdrpRJThK0PGQtW3S1FrlarWI3BVnQ9KA1newMb6PpgixoeviaNj"
    "2MfCo517va0i0J6mftdn+KgofnQct6UAVR+KqG/FVFygoPYjPVw0Ryaf2+r+5DRuFuJz4n"
    "8f970kMY6g7GKAvv8YCM9Ir+J2QsiEBYkoirUhwpTDP7ZXuncdK25dpIub1/T68hFcKkW/"
    "2o8kz7RJSuw5tcY/6zxxwEeGKlrbw7v8LS8FYseuXiW8r/sxvbm8y9xrVYNRp/IX/B72L6"
    "G9fqCi9xw5v4fppg1ia9OJneq7KMM9P/jmRjM7PmQM6xrqlZ1TnHLQ1xsMCVLXDuFKnjnB"
    "PScLdV9zDz+Yt6KhCnAhrC231U0qVM6fCKpD9kODTJcIAdINXoj3MvQJMdIAfaHTo4DQ+h"
    "cAVNNunlFaFcsyLd7DcyJTStV5EdfUMqVbGldap8o91FLOPf1rh+JbhFo5wFpjVuEVSGhM"
    "qQx4g/HE6XNfFPTpqY+Ccn1Sa+aCsE4tbYUsrPTwX2n50/+ds8cC0BonEXEIcR1/9BPPbv"
    "fblY+87Zt+iDKFfoOSpDPieknV97ftpkIy7vVTnowzYoODuA2RwK9Xdfb9LDDwQ/KqdQZM"
    "UgeWJH8kRVfc82p63I5WHzT9s5BcgqIKuGooTRk1UBu6Nf3z7g8M3LdFWmeVpLWIUdTSx6"
    "AmWltateUz1sgVwXq3kyWxEN3fcegp9opRb8jPsDuA3AFQNbhRdJ+kPRgqcQIBBwPsKA8z"
    "q449/HopXei7Kw3WbI223478JI7jTXFWPLCOmX2td9pUHLQXyk22bgMiIxwHZMpEVh+KKG"
    "9kUpbObp31285stSRYHpbPu0gcPohV0Vju6eI89AxiP1ltgz2AIxg9/CYr7BqBHd04icUG"
    "OBfNFmG8/uNkkTsb8rn8rZ3W2f4Lke1rDXsAprtZvqIF89vJ8R0uYErH2flw1lpjWz9CXL"
    "VbqhaACr1W9os6ogNpOm2jVqHXUCPvNI+czhBpp01UUG+4CZ/CVsrFqhviCnXzHv7p1H/i"
    "jXR2GWlaKfXpbUzh7tnmZuU54YShN3Uxuaz8x0jV3FwqEFOe0y7rof44MoKjm0UT9eq75M"
    "6wYu/rrGFlNOQ8sLQiKaQiKaSxmZEystUtE0TlmUgzRuiGICtzHuMx5/I66L7V/x5pH7mx"
    "MZw5HrMK3lOcKu4iRs0bchGX9hxP0Nn6H53FgHzJgTz2cGt1Xde4MtsLGgLOnll3n3VncA"
    "MmXQxnY1mbLcjsSmdndGBNzKnSa3Tz1mVuTjVu8YzQlpE9nobK8FrOuwru93XY+2EUtX9L"
    "ipfi2POkHM4kiXWZiwjmXCgtC6zlqvCq1DqYSqAwFmTUol8F7VRwLMyqUSgjtlkLMy2kUK"
    "eqk5l32zEtC3+GvVwal5MQ2wrpub3v7rtp61TKemD1effk66F6nMPPBkxY1QpVIgW4lhkM"
    "jiedqQyKLOiin+oVydZSsFaume2xfVVlRWgFRAgylpD6VZOEKiOILEa6yLI2akIIioEEQU"
    "oMmOZKgrK5eIaMMP7jnxZEVcs0UBopwYYN8Sez5/tcE+KwbYt8MeedaCPLTiJQqisCNtOD"
    "xEmX7iqItjVix5XmPlN1YU0+Yz667UV4SQH6zUZq+8nDa47nn6sjg699STnzNfB39BsKdS"
    "X3oGN0pxuLI+yspQrjd1mbnVqBTxLRlrOwpOFYZgruYUfwfj0+cPH+qKTuUKUT/xCLebZT"
    "BCerkKabWD2xTDv9d4ztflxS1dYnciiQHn2qd1gWAv6mky0bVhTteViw3i+wG2jVjcCMX/"
    "aiAusiLOhjcblPdy6D1x/+Ib1oIjY9C54VEWjgJJnldnd31CUPo/jKgwOHF3yDoqsDdJ1l"
    "HNaV6hQlWw3krot1erh81DgU2wK/Nma86XysjoGPnr/ChwP7j7D7YUt2hlhGDbZ1uTO1on"
    "WvAFOUFIYxgKfdAkeQV/XRN+txZKz0vuR+sHMPaHruRmG8b8dvlJPnCAo9Cvhx+4Ud9GxX"
    "lJ0PLQtDyQzOj8QfBy3zh/Unytc8y7ml7UF5KltbYuIVka7E1IltZZ602SpUVhoHjaV68o"
    "lBMEVnAnS8WHkS9L5q1GeSuhIUPVS9Y0lBE6EEflM8RkIbG6ctaJhH4Ud/fs69yjK1Md5I"
    "KYjtNIk3l6Vj1Pz8onXmCL2NyguVOK2OSl9CvP3sPJIjFi6iZnXhLIkeFYmDIKLLQS1YrL"
    "5YTgW9r9Lc0RcQJPKQCaEdEP4X6MSz7OV4gRS2Jf1u3KyMnBvgyFfRlxsWn1c+dzcnCqaF"
    "urfrjFnjUFvybRE04VNRoleQ71VNHr8KjpiTRGE7ZM64Mzog8EZY40KBMP6jYnbZdEu5mS"
    "j0YpY1gN9cc+8FtAnxECO6Q19HH1NHUjPCcHQ78t/tG+tTL2NyvkODt2u+k29M9mL1+kYI"
    "t/1MF78/HiwwfJDjbqMiwLEtUVr0hFtCtfcXpy0qhIFO9WHa8IG6GOzoALtoggkFrJrkRg"
    "b+G57SHGexr5nUfphOPmhZuzTJeqwS0R1W6q6YWV9fBabW9VKqAf7X3eaCo/r5nJz8sTuc"
    "CLtExizkpCnG7IcTo4fP5YNA0JvtWz6ThTPTso356xYbBNkGktsLV8YomDiNf+KO53KW43"
    "wgFxoHoHBdwqYwZ5bHdFD8yiancXP/gn5nYU+4tvIH/jWguPujQQpQj4HUQpAlGfILq3ET"
    "pvxrNV+kYXQmIqDqxxDWSsA38hOWa+h/tDjGPQvBZsPIF1CTae6Kz1JhtPopUo8BwliiQr"
    "pGEqcy+FhMUCj9VPsE5lOiFJtN7X84A9QVCrAJwR2SPJt8auHceExkiu8h+PJfNFpXWW9t"
    "co/6+zIpqIMbxaM4mHV71PKiOiTfXMzgB18VdmxhC1MGYk4sCiDceAKdut2POo0gEIqYB+"
    "YYee4johZ6Hqk+fEdEp9OGz2sZfmqD4x/Xib7DoyNTTNP84NwEElINMQ1zKVKK5Pa+lDGp"
    "91AanHQMsBLTd2ggZouWPUehNaLvy/gk2b9IfqLztZotrzHOvKCuh2nuMeXIc19lbE90WN"
    "9DLW1fmnBTFIQs3NWm2TUBWSEJ5o/WbYLXtFZLr/iNzNLRX/beitXIgbjW4uq3FVwt9lFj"
    "yA9Fd6IqeDr92p15cY/nPqhSpY4s0W39jHSfUTNwqhuIktPBrcL1IRM72h1DHi182igf6t"
    "1qe5WZC12Ok9kfg1adu0zrfx417g3xyrf4M8jyieZboV0TAM2b3tE+PFEbSVzMuinHbWz1"
    "mTgO9Zdbz3TBruXYpjztTqORbEYFQ3GNWPaHNHHCc6TEgF7JIgRAQamfXARFWjP05OogkT"
    "NZRd90diKj3JXdtZrebKxbeU/6eh+9W6Vs1Q3a+nVKp5UvBHOENr/tI3G9eaVDhLaft0l8"
    "O0Dg9S5V0bppHfLrARrB2K7CSrO7wL5v8UGBiMGmkm+Jfg/Mw+/RK8smcvvwTP55j//eLk"
    "xfxL8PIO8b9fPj95YTxb8ZtsDD5+Nr4x9+j/YtcIXEYcSY75vh8OnuCAp7cpRLrAvoBIl9"
    "ZabxLpGkE5hL05a92n6kJyXN+laCF9N7QYjj19Fw5ebLkH3kFcBbYZmu3K1l5RGDK1h6xr"
    "4ae2su9ygqDjIeuY/yzXR2HqhPpet4KkdlGm7kMfEZ1Shrk6t2YrMYy0GvHYUafVFCoazo"
    "m3Mj28Eji0YjDkt4BZb8izno8Zc9otbTlJ0PKQtQwBMAiAjUtZwwyA0fUNn/X4e0ejoBQA"
    "y7RP6wNgdG362a6DyRo8lkDRE2mfXecsiDVPnHDrY/54W4Vkq5TfH+N2+upkLKRbuOwllq"
    "eNNkp0pkx2fyi/HAnEDrc1fEatpckW3CZZUEdl2qiQ3uNgHstQnott0Atmzh2ZMV4JcFFs"
    "f8iOZ5bgGGEzzTppM4xr7rA/wF+/Hg3ifnAn3uOOGyZ4tRZbQpT2UVWIA/HTOfETmRv465"
    "p4UfI2IxZubbbU3Gd/n8nZaL4SPmf7C9NHDn6CwVh/E4BdchIU5OscSb7O/naO1jMHy2Ai"
    "Iwz45WktT7AMGqbHXrmYL1AbIWg8II8gl/3VQJ61IA/YNvgAXIg01QVyjYgisaeGT1wLRw"
    "msvoFc27CQx3xjTflYMBAzCCsnwvb3GEh5HTChOa3hOyDlVbfJFFJej1HrjVJe19hS8+MS"
    "AfDcOvfc1h6xJPnH9edpEmmoCKoa7lr/smnfNDoro6F7lvaHjNnyMZqKm/l13cTffXpVYp"
    "O3WKALopDZMZwFuWyHwcnKA0jvKKmjrAvlIre/be80Lj00zdzIj8Bc7sY1/yyu31/eHqrM"
    "7U0SffiIfR+F46rM3RT7TGuJnDSesYq6K9A6sWx4zYjFDfqIbWNOvXAzMn7ALkt2Jkc7kp"
    "/54SU+xKYGmQueBTmync19PAConAFPXlOgco7IqQcq5xi13oTKEZUWS+qudr3i7tpV6X3d"
    "ZOPy6+qNy69LG5eX/GcpIRv317Bg2qyJWzurdmtn5V1Dfos89owQODptaa8DbSEYGHVwIO"
    "wDdke/qoOfFesJ/SMY+Gvsqu0H3UoAUbmTqEzy+1T33ObFtAP6dPaqSUWV2avqkiqiLY/1"
    "vYdcdaowKwVzeNtpRDjdKpHTpD8ETrsPnMZ0XdO5Jumv3STTS10hKIsFZbGgLBYE+UdeFg"
    "si0lOoiwW63lU9xG3zTWfEQL9D0+9QtkxkgtI/Cw90Uh2Ez3SaNojCh93N0K1VCMNTF38v"
    "RqSBLAuvw+wNERFH+fB5wkv8aJAwIk4f/TBoHofV5QH47m69O/T+e5YOL7AokSX+B0TnBx"
    "mdH2rs4wjIm7GRlPtzcPugKYfHIEgYGvSASHSH/QDdOZPg08CT7R+ogTmV0HAkNxnH1aO4"
    "NIbjsjJYNl1T6mDkVqW4Z+QKMN9xwb5wTq/s1yJ+c3X1IWcMv3lfmIw/ff745i0f2iH0vB"
    "NhFXM0JK9Vj/RxpjE1Sl7z22Wu+bC/4dDqHboH+tkPHaiS0xlen9b5mcLoHlhZP3DT9uWm"
    "wTp0lOsQJFFrpvUmSdSHzw0bUCp1D2cEuPyF1PDNiPQU8NYJYJdYy/BvBYSzMtplxPSwEf"
    "uBGwqeGXiSWGg1yHkp7WA+P21yaj3vVQl02FZI6+IYqeV1JQLazRRnTeA9q0b3rATuHXJd"
    "ZTJrKwRMlgKTFcFmcrPJ56+nMKBLgtpNHL2kfDnIZ6ZD74nbwnwvCQOfNByDXZlPyqzbts"
    "0f68vKFr+JRd/9eo0dFKJZ1ntMFl1Etxmh21ZVx+Fb35zbJQ3W4atKmbe4dbqLf+MvLjoC"
    "DXekNNxQsyV01cSQw/eHM8Q7jirDJtzDDesH5BBuLXh0pWoi5iU1ZHjHbiCW1dwqeb0gCo"
    "oetKKTrQYt4nQ5SQ3VPNKIDeSLwFddm6lbZyTV5+pCsnS9oVSiWMoaKatDuSZm5PvfZm44"
    "MoVUcSrTQm3MwmAcVHHMC+wRazGR0DNxy7SOmkHbPoMhZY6FkentyNMH7PlELVSREdEwmb"
    "yfnen8o1JAOO6uIbqnJydNNkOcnFTvhhBtpYR9hl2JYVhdoiUjsv8qLYexBzurx3LQHN9v"
    "/w8r5tVC"
)
