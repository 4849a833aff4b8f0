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
        CREATE TABLE IF NOT EXISTS "groups" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "group_buy_id" BIGINT NOT NULL,
    "leader_id" BIGINT NOT NULL,
    "size" INT NOT NULL,
    "members" INT NOT NULL,
    "paid" INT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "completed_at" TIMESTAMPTZ,
    "failed_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_groups_group_b_15be7f" ON "groups" ("group_buy_id");
COMMENT ON TABLE "groups" IS 'One group of a group-buy: open until group_size members have paid (completed) or';
        CREATE TABLE IF NOT EXISTS "group_buys" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "product_id" BIGINT NOT NULL,
    "group_size" INT NOT NULL,
    "expires_in_hours" INT NOT NULL,
    "starts_at" TIMESTAMPTZ NOT NULL,
    "ends_at" TIMESTAMPTZ NOT NULL,
    "prices" JSONB NOT NULL,
    "ended_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_group_buys_product_f46a75" ON "group_buys" ("product_id");
COMMENT ON TABLE "group_buys" IS 'A group-buy offer (拼团) on a product: its SKUs at group prices for groups of';
        CREATE TABLE IF NOT EXISTS "group_members" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "group_id" BIGINT NOT NULL,
    "user_id" BIGINT NOT NULL,
    "order_id" BIGINT UNIQUE,
    "paid" BOOL NOT NULL,
    "joined_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "uid_group_membe_group_i_871198" UNIQUE ("group_id", "user_id")
);
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
        DROP TABLE IF EXISTS "flash_sales";
        DROP TABLE IF EXISTS "group_buys";
        DROP TABLE IF EXISTS "favorites";
        DROP TABLE IF EXISTS "group_members";
        DROP TABLE IF EXISTS "pinned_keywords";
        DROP TABLE IF EXISTS "groups";
        DROP TABLE IF EXISTS "flash_sale_items";
        DROP TABLE IF EXISTS "flash_sale_buyers";"""


MODELS_STATE = (
    "eJztXW1z2ziS/issfdlMlWbKlmMnmb26KjubmclNEk/Zzu3WTqZYMAlZWFGEhi92tHv57w"
    "eAL+ILSBE0KZFQf5lxCDRJPQ0C3U83Gv+ZrKiNHf+HS9v2sO9PfjT+M3HRCrM/ik1TY4LW"
    "620DvxCge0f0RVEnHHW79wMPWQFrmCPHx+ySjX3LI+uAUJdddUPH4RepxToS92F7KXTJny"
    "E2A/qAgwX2WMPvf7DLxLXxV+wn/1wvzTnBjp17XWLzZ4vrZrBZi2tX5OG9G/wk+vIH3psW"
    "dcKVu+2/3gQL6qYCxA341QfsYg8FmD8h8EL+C/gLxr82+VHRy267RG+ZkbHxHIVOkPnF9+"
    "b22sQ0P13fmbfv7kxzooCRRV2OL3vVSF8P/BW+fzObnZ29mp2cXbw+f/nq1fnrk9esr3jf"
    "ctOrb9HLbNGKbiUwe//z+093/IUoU2KkXn7hm5BBAYqkhDK26Fse5niZKChr4W+sJSArLN"
    "dDXrKgDzsW/SH5o6idRBd16kkubPWzHZb7UBD7gfa162zigVGD/d37j+9u7y4//sYft/L9"
    "Px2B3+XdO94yE1c3hasvLr7LKyu9ifH393e/GPyfxj+vP70T8FI/ePDEE7f97v454e+Ewo"
    "CaLn0y2ce8HcPJ1QQ11nOr9XBtt9R6XhK0PhStJxhl1B6//Vbr4v8lfb9dIE+u66R/QcsM"
    "rTHqdYW+mg52H4IF++fFyxq9/u/lzdtfLm9eXLws6OpT3DITTd9y4K4ZREropgIawns2aw"
    "Dv2awSXt5UgNejj8S11BDOyGgIcvdj2CLBRgXgpD+A2wBcm/AXsCQrbjXAWRkAuQnIOEDE"
    "UYI4ldAQ4Nn5eQOEWa9KiEVbHmPip69dwvmKUgcjt8JzywkW4L5nkn3hnV7pAfA6j+z6+k"
    "PONLx6X/DPPn3+ePXu5sWpgJ91IkHObcsY7D72TFVPOSO0210ew9jem8fMyYr5Uuowc1DL"
    "aviJepg8uL/ijVDFe/beSG55xOzM5/g2I1PBt2SMJVcnqcPpoaeU3ckOPfbb2S/G0ch+e3"
    "n79vJv7yYC4XtkLZ+QZ5s5qHkLndHClbRvuWk1WxWvIBc9CHD4r+DvnHJiK+JOpGQZb5jW"
    "U2WsC/BkwJOVtAA82RgZE+DJjlHrTXgyvnipcmVZmW4cicNOun2zZcj3nyhbzhfIXyhxOk"
    "VBDb2209nrBnizXpWAi7YS/bB20MZUHdhFuf3hPZmMdHAzP5dZh+RRgvMu/3grt0f3OJlY"
    "RusdM+D8cI09uW+2C/OcKLASCrg7yA9Mhz4Qt4WFVBLuwEiKR/JQpvXx2kSRKVyiQaq99s"
    "ygoA++5COMpX769QY7SABZVnnWGf9AH0ar8BI98u2ZpMYWXY/NZRJ4PyJ3c0f5fxvyTzfs"
    "PqOzSmvYJ/GzzAKrk/xIjw855owlzVsqZ049oYAl3iToxrRVqpu4KZKJG4OFR8OHRXrdTN"
    "UiZbvYdbME9LfdTBX/BqrIqvj72MFXmcnXCJzV8XFW0Qho482WJTV0s7o3/Ln1Hi1sjYG2"
    "KpbCzgDWiTUIkMfmoAgjBZALYtp5sN1n28SIyabvnTBL5/Dxg7y/XIX/ub3+pJirYBMrMP"
    "7PcIjfW1x38l/z0BWzlXEfEidgxtAP/LH/3Rf8NXBzhHJ+UwLzi4+X/yhq4O2H66uiQ8Rv"
    "cFUkEdYqgz3qDaN85ygfV+Bsr6vlOCMoTeJmkf2oav1npVolrAyMDRhEvgpKMhuembCSZk"
    "iMSwdNE1ayYy/nw7MXMD59/vDhUCkrV8h1hdNdogHilmkdCXAv+gADcKQMwLgWX8hf6Gb1"
    "hawV3bTeJGslIIGjRoskAuDF7A7pr9jqrOQfJgIaEqfnp00IJ9arEmDRVoglE3epzOzlhP"
    "Y4jN14694ecoEumqQCFaedTCbQhQxoVYy1nCV6GcZsUieqQYCszB5RXtDVngZx9wS1T73A"
    "pJ4ty/ep9C3yQvvbEnPSr48xO3356uXrs4uXqWuRXqnzKMrpPNjlv1LmsNVlUGWkIGetee"
    "6UHyAv8FvY6DlByJkajkVedsSwa7fRcEYM9Ds0/SrkxPVJC75lk8D7AK8mEmIwbZvWUYMW"
    "62Wy6WnVAzv4e3YDoL8M+V9/AGUIlCGQR0AZgtYPtIBJN7pBVYE9TrsZ8z9aFJWQ38oA8K"
    "2B/zNEbiCtc1SJe1ZEJ+Q7Iw587GArUGYOsmJAHdRTB4NxOwL8QL3NROp2xG3TerdD9CJQ"
    "chY8DPAw9LA1wcM4Rq038TCg5GyPQTBiqcUZk/4QyW0SyYUQYw+ewiPxyb0sTanWUchIgZ"
    "/QPMS4Rh525bu46qzdnFhPefh6Wr01afgRqGVFKOfhZ72sUamhaSZ+bvjlUvFvmDVy8/7t"
    "XV0qfsbNWBDHZreSDH6FWhSdwj2InQ/5KcKjdmgFzyzY8Vt0F40w6pVDoeGaund4teZVKS"
    "YyJiXfY1rLp4i+ZhB3BlZF4/VlCqzKEfnXwKoco9aBVTnwVo8l+10q4Cb9NQS3SRnS6iKk"
    "pRKkaEVDZtnT+VzNUMjLaUOq7DnwvcaehavgryYD8lLagN8Zo8U/GJv4Fh+iasO6KAklD9"
    "oO7WDB1tYFdRQdkJyYNiN7z9g/IofY5tyjK1ULNC8Jme7DMTjLfkakKzZRyQpWNVFzKgp6"
    "Hr6ebbSRMIKV82heSKNlrDMjIaABckyHrIjERqhen/JSAKzUqBVlSpWxLQvuzwA4HQm4xP"
    "dDbJsVpm01r1sQ08ay6i5f1qJqdQ5SgT2mbiDHmfSFZ88lDgRcJrEli1h1cc2c0DDqa/Ln"
    "aVNfs9WRKHAeSg8J4sUZ/nnBX36SZRSwHCHfeZAA8E/okXpEHvpN26Z1Qd953KtZtHdyac"
    "RxfgMZVugHdIU9Y4nx2jdeUBcbHn0ymEG0bUOunYh898OkgGQHt9u1ZTjuDNuGB0b7VIef"
    "YSvh4Yj97ceihH5eri8F6PopQOaFvjH4qsyLgWzC+8lB/uIWOXIDIm2styB4N9NHTnMbQo"
    "h8z0UMYZaTYGO8+BK+emPPvoQXr16efPejQQLfuP31s2/42HEMFBhseSeeQZ9cZgAQCxuc"
    "7s9cZAaCtZxKLIz+HvbFDdASu2mjuMVfokbjacFa+MX0ocQ34s9UmDEPzB1hHhpK+pLA4O"
    "V6qqwaMF6GM2NXGy9jKJ064oyawZQ6G5i5MpLVsFHgaBClzkC/velXfIqtjNy8JIR/h6xl"
    "9jm20nFWDjQ8ZA2Ds1ptBunlrMI2AZ21XrVNoF0YKKkC2j4KlNIOSeHRkQ2DwwSCEtCuwo"
    "38jKdCj2kzSse8570bEju/0CeDveHGYKoIfIPODeRm6A+mzmyYh6fL+gZxDVHkwDdcGhgW"
    "37HsONj+UVAnHhuNBcx7ecgXl/+xxt73PI5giEQeQdcssLWM6RqRhML+pu6UPZrdTJBGPE"
    "DlUGtZHYvibxQT40mQAgJRo+ByMppTUMFWCAJRrQMhEAOEqpaHR/5ZWXpDi/BUlXgvmVuN"
    "zILm1d4n164IjBRW6ijmIoIrU7EMR1ETB88DY0754hpdXjFD1uCpIOmSziwSv5xJ0ttTIB"
    "Qz6ImrevkeZl1kXfUASSTDwZ9YsuTYWuiJtFDUqFfvfZdh5yuLgtGU9tcJ8+42jDDnniDH"
    "VEW1JAfo6rLXaUT4+tIN5DWlPjXbON4ZkFmPQ9GcKInqNFIPW4FyC21ZJcpVKHNZhiPTRh"
    "XVPy0UoiyNxVwxyreXt28v//aurhZlnwzBzx4N1xMJMxA1TOsYgQfeRYEHEP2Fjx79+T1z"
    "s3806Bq7htjWH101ffJv5pPj1T2n7BfoERtrRGzjhUVXa46a/Z1BPSkF0OUDvrg8JfPrmn"
    "jYZ9JzwmMGxos5IiJ2gB+xt4nkojvxiIGH5zw4YFduTgHuYCgT3LSGO4hGCRs7ystOURL8"
    "2LYOlYOR3SIKkBODNb+9P8umSBUbNu6uE+LdVfaKVhoFODMS4BWUq9HLJoWaKvT7ngzGAi"
    "SzzYNQMixrykekEnusH8HNt0lfkPZcQCK2H9tkwuYkNcyXG29+nCQZNnEc2qTDFmQh7XnI"
    "mo7cvxZqzgmCjoesY0htr14vx5nkPPB92IJquwqlh6GmbdOdTBznHRpvwk75MYPO59jje6"
    "IvZnPrS3h+gWffGdQ1UFJqJbNBGgUxxyZixr7IoolYQHabEiXXy1O+uBkSL0nY8acGRtYi"
    "IQA54ZcYUMQ1FzT02F3ngUjb5UQd74FtYOmGT0lUs3SQaXJYimj7GSp443khoIskuBYnLg"
    "V0ZaKAsZz6GE0lAbDjW9rxYyklAApuqeDIPCzrt7o261ZiGIVZ+WO1KcwKm/51/+CAGam2"
    "UPRiRmDTv85al3zsqpv+e+fDPooY+KSKEoubp7tZsUwwvdvzbH+PHwDbuwfLVuzK8WqX3w"
    "XZRc+kjmCD98GgF5UwlLHPSnVyfNDRzEC78pZqT62oyF3q88yK9MqoDq3I4vwvStxW1mpO"
    "EIzVoRirAw/evrfxak0D7FqbX7E0hFvoUWuykm1fc4kbhnMVrdbMQsoeAQbrkJYLOBhjMK"
    "rInOSOJfVwag5yx7JaODqU9D6dNTnJnfWqTpGdlU5zH4hFemig4ciRYeVUgLHUg7F0zb9a"
    "mY0UNdSaRlENx+4NIjB/hjMzVZs/45qpwK+D0BNoXSX0VLYIXapidGdlurG8Dzvp5uzus1"
    "kDs/tsVml186ZxMPC6LmzD3nV5uJE9a3JI1Kz6kKhZ6ZCoB0p5/t5Kfth8bXCvIAmMSetB"
    "PudlgBZBKzWUZUERrRVhE1+Urm+lCYkwqOIZ8b9NKy3k5UABrRXADFBmoyrlC2dE9p8wfJ"
    "ik1F5Sgz28Qp6kkme10bOV2GOpicl+bJ7z8yZGz/l5tdXD2yQGPZut1wyqVnZ9ThYY9daz"
    "vIf5hC1TQfVgzwm1Gu9Dw77nk2DHVVcFzgptub8HkTbUX0YMtpMMWb/+gqzX7c6CzUmClo"
    "esZSiOdDSaTo7Wa6PpgixoeviaNj2M/Ogwz6aWbklQP2u3+yqCSVnpFp9VQRS+qiF/VZGy"
    "zLlHV6Z6mEgurd/31X3ISBwXw+Yk9n8Pq+7RKAvDbo0duzUUktG2SloQjrAkEVfldGmRZv"
    "bL9k7jpG3Lh0vnDk96/iHcAibdDuAuz7TPROlG3OQGs5895iDAM48qz7vzKywNb8Wi1y6+"
    "o+w/u7G9zdxrXItVo/En+At2F9PfuFZXePEb3sb30wSzNunFyfRelWWcmf53JBubmTUHco"
    "51Tc2qzjluaYiDBa5sgTOnSB3nnJCGu626h5nNX9HJWU0hTgU0hLf7qKRLA0kt1Gp0k/6Q"
    "4dAkwwF2gFSjP869AE12gBxod+jgNDyEkz9pskkvrwjlQz/TzX4jU0KVmzItHPiZHX1DOu"
    "tzS+tU+UYJ57PLMUo5JnCLjs8t8peh8oS8lYGdQ+1TC+HAg0PiH5DAUbLvUwENvafZyUkT"
    "E//kpNrE522FQNwaW0r5+akAlPPO2fNd5Oxb9JGt9KHnqAz5nJB2fu35aZONuKxX5aAXbc"
    "VpnViSaaV+RidS+xp8m+az+Z8hctkELQkoV8KeFdEJ+c6OVfHwI8FPyikUWTFInlAodTl3"
    "kL8wfeRg4ZEpW4Zyedj803ZOAbIKyKqhKGH0ZFUY3NOv7x6xePMyXZVpntYSVqKjiXlPoK"
    "y0dtVrqoctkOtiNU9mK6Kh+95D8BOt1IKfcX8AtwG4fGCr8CJJfyha8BwCBALORxhwXof3"
    "7PtYtNJ7URa22wx5uw37XRjJnea6YmwZIf1S+7qvNGg5iI102wzdgEgMsB0TaVEYvqihfV"
    "EKm3n6dxdv2LJUUWA62z5t4DB6omszj3HyC31iTZ6BjCfqLbFnBAsUGOwWVuAbATWiexqR"
    "E2oskM/bbOPF/SZpIvZ3P0wKA6bD2z7Dcz2sYa9hFdZqN9VBvnp4PyO0P/bwpC/ED3MeHZ"
    "SZ1szSlyxXQzrh9De0WVUQm0lT7Rq1jjoBn3mkfOZwA0266iKDfRiY7CVsrFqhviCnXzHv"
    "7p1H9ijXRyLLStFPL0tqZ492TzO3KU8MpYm7qQ3NZma6xq5i4dCCnHYZd92P8UEUlRzaqB"
    "+vVV+mdUMXf11jK1BOQ8sLQiKaQiKaSwMyJ1ZapKJpnLIoB2ncEMUEbmPcZzz+RlwX27/i"
    "zRPzNycyhiPXYVrLc4iu/CRs3rchGX9pxP0NP0DzubEOA2NOPD8wmK3qPhjBAhsLGiS9/D"
    "Lv3uoOQKYM2tiuJlOW25HY1O7OiIBbudPk9qkXmBX5uNU7RnNC2kQ2OttrAes6rOv7Xdej"
    "bcTSFT1uql/Lo04QszjSZRYmrGOZsCC0rrPWq0LrUCqh6kCAWZNSCaxX9ZEAs3KphPBeGe"
    "SsjHaRgl5qzmXfrAT0Hf5adXBqXkwDrOvmpnf/uKtnLdOp6cP1p5+T7kUqMw88WTEjVKkU"
    "yFZiGCQyf542JDKvs2LyfyhXZ9lKgVq65/Z5tRWVFSAV0GBK2kNpFoYQL44g8Rrr4ogZKQ"
    "giKgQROWiyIxnqysolItrwg3tOPFkR12xRgCgnBti3xJ7NX22wz4oB9u2wR561II+teImC"
    "KOxIGw4PUaafGOr8mBVLntdY+Y0VxbT5zLor9RUh5IcrtdkrL6cNrnueviyGzgP15OfM18"
    "FfEOyp1JeewY1SHK6sj7IylOtNvc3calSK+JaMtR0FpwpDMFdzir2D8enzhw91Radyhaif"
    "eYTb7TIcIb1chbTawW2K4d8bPGfr8uKOLrE7kcSAc+3TukCwF/U0A961YU7XtYsN4vshto"
    "1Y3BDifzUQE1kRZ8OaDcp6OfSBuH/xDWvBkDHo3PBoIEaBJM+rs7s+Iyj9r4CoMDhxd8g6"
    "KrA3SdZRzWleQqEqWG8l9Nur1cPmodAm2JV5szXnS2VkdIz8dX4UuB/e/wtbilu0MkKw7b"
    "OtyR2tEy34gpwgpDEMhT5okryCv64Ju1sLpecl96P1Axj7Q1dysw1jfrv8JB84wFHo18OP"
    "zKhvo+K8JGh5aFoeSGZ0/iB4uW+cPym+1jlmXU0v6gvJ0lpbl5AsDfYmJEvrrPUmydK8MF"
    "A87atXFMoJAiu4k6Viw8iXJfNWo7yV0JCh6iVrGsoIHYij8gMUyEJideWsEwn9KO7u2de5"
    "R1emOsgFMR2nkSbz9Kx6np6VT7zAFrGZQXOvFLHJS+lXnr2Hk0VixNRNzrwkkCPDsTBlFJ"
    "iwEtWKy+WE4Fva/S3NEXFCTykAmhHRD+F+jEs2zlcoIJbEvqzblZGTg30ZCvsy4mLT6ufO"
    "5+TgVNG2Vv1wiz1rCn5NoiecKmo0SvIc6qmiN+Ko6Yk0RiNapvXBGd4HgjJHGpSJB3Wbk7"
    "ZLot1MyUejlDGshvpjH/otoM8IgR3SGvq4epq6EZ6Tg6HfFv9o31oZ+9sVcpwdu910G/pn"
    "s1cXKdj8H3Xw3n68/PBBsoONugGWBYnqilekItqVrzg9OWlUJIp1q45XiEaoozPggi08CK"
    "RWsisR2Ft4bnuI8Z5GfudROu64eWJzlulSNbglotpNNb2wsh5eq+2tSgX0o73PG03l5zUz"
    "+Xl5Iud4kZZJzFlJiNMNOU4Hh88fi6Yhwbd6Nh1nqmcH5dszNgy2CTKtBbaWzyxxEPHaH/"
    "n93vLbjXBAHKjeQQG3yphBHttd0QOzqNrdxQ/+jpkdFfzFN5C/ca2FR10a8lIE7A68FAGv"
    "TxDd2xDOm/Filb7RJZeY8gNrXAMZ69BfSI6Z7+H+EOMYNK8FG09gXYKNJzprvcnGk2glCj"
    "1HiSLJCmmYytxLIWG+wGP1E6xTmU5IEq339TxijxPUKgBnRPZI8q2xa8cxoTGSq+zHY8l8"
    "UWmdpf01yv/rrIgmCgK8WgcSD696n1RGRJvqmZ0B6uKvgRlD1MKYkYgDizYcA6Zst2LPo0"
    "oHIKQC+oUdeorrCM5C1SfPiemU+nDY7GMvzVF9ZvrxNtl1ZGpomn+cG4CDSkCmAtcylciv"
    "T2vpQxqfdQGpx0DLAS03doIGaLlj1HoTWk78X8GmTfpD9ZedLFHteY51ZQV0O89xD67DGn"
    "sr4vu8RnoZ6+r804IYJKHmZq22SagKSQjPtH4z7Ja9IjLdf0Tu5o7y/zb0Vi75jUY3l9W4"
    "KuJ3mQUPIP2VHs/pYGt36vUlhv+cekIFS7zZ4hv7OKl+4kYuFDcFC4+GD4tUxExvKHWM2H"
    "WzaKB/q/VpbhdkzXd6TyR+Tdo2rfNt/LgX+DfH6t8gzyOKZ5luRTQMQ3Zv+8R4MQRtJfOy"
    "KKed9XPWJOB7Vh3vPZOGe5f8mDO1eo4FMRjVDUb1E9rcE8eJDhNSAbskCBGBRmY9MFHV6I"
    "+Tk2jCRA1l1/2RmErPctd2Vqu5dvEdZf9p6H61rlUzVPfrOZVqnhX84c7Qmr307ca1JhXO"
    "Uto+3eUwrcVBqqxrwzTyuwU2wrVDkZ1kdYu7YPZPjoERUCPNBP8Snp/Zp1/C1/bs1Zfw5R"
    "yzvy9OLuZfwlf3iP396uXJhfFixW6yMdj42fjG3KP/xq4RugFxJDnm+344eIIDnt6mEOkC"
    "+wIiXVprvUmkawTlEPbmrHWfqgvJcX2XooX0XWExHHv6Lhy82HIPvIOYCmxTmO3K1l5RGD"
    "K1h6xr7qe2su9ygqDjIeuY/SzXRyJ1Qn2vW0FSuyhT96GPiE4pw1ydW7OVGEZaDX/sqNNq"
    "ChUN58RbmR5ecRxaMRjyW8CsN+RZz8dB4LRb2nKSoOUhaxkCYBAAG5eyhhkAo+tbNuux94"
    "5GQSkAlmmf1gfA6Nr0s10HkzV4LIGiZ9I+u85Z4GseP+HWx+zxtgrJVim/P8bt9PXJWEg3"
    "sewllqeNNkp0pkx2fyi/GgnEDrM1/IBaSzNYMJtkQR2VaaNCeo+DeSxDec63QS8Cc+7IjP"
    "FKgIti+0N2PLMEwwibadZJm2Fcc4f9Af7mzWgQ98N7/h73zDDBqzXfEqK0j6pCHIifzomf"
    "yNzAX9fEi5K3A2Lh1mZLzX3295mcjeYrYXO2vzB95OBnGIz1NwHYJSdBQb7OkeTr7G/naD"
    "1zsAwnMsKAXZ7W8gTLsGF67LWL2QK14YLGI/IIcoO/GsizFuQR2wYbgAueprpArhFRJPbU"
    "8Ilr4SiB1TeQaxsW8gLfWFM2FgwUGCQoJ8L29xhIeR0woTmt4Tsg5VW3yRRSXo9R641SXt"
    "fYUvPjEgHw3Dr33NYesST5x/XnaRJpqAiqGu5a/7Jp3zQ6K6Ohe5b2h4zZ8jGaipv5dd3E"
    "3316VWKTt1igC6KQ2TGcBblsh8HJygNI7yipo6wL5SK3v23vNC49NM3cyI/AXO7GDfssbt"
    "6/vTtUmdvbJPrwEfs+EuOqzN0U+0xriZw0nrGKuivQOrGsuGbE4gZ9wrYxp57YjIwfsRsk"
    "O5OjHckvfHGJDbGpQeacZ0GObGdzHw8AKmfAk9cUqJwjcuqByjlGrTehcnilxZK6q12vuL"
    "t2VXrfNNm4/KZ64/Kb0sblJftZSsjG/TUsmDZr4tbOqt3aWXnXkN8ijz0jBI5OW9rrQFsI"
    "BkYdHAj7MLinX9XBz4r1hP4RDPw1dtX2g24lgKjcSVQm+X2qe27zYtoBfTp73aSiyux1dU"
    "kV3pbH+sFDrjpVmJWCObztNMKdbpXIadIfAqfdB05juq7pXJP0126S6aWuEJTFgrJYUBYL"
    "gvwjL4sFEekp1MUCXe+qHuK2+aYzYqDfoel3KFsmMkHpn7kHOqkOwmc6TRtE4UV3U7i1Cm"
    "F46uLv+Yg0kGXhtcje4BFxlA+fJ7zEjwYREXH65IugeRxWlwfgu7v17tD771k6vMCiRJb4"
    "HxCdH2R0fqixjyMgb8ZGUu7Pwe2DphwegyBhaNAjItEd9gN050yCT0NPtn+gBuZUQsOR3G"
    "QcV4/i0hiOy8pg2XRNqYORW5XinpErwHzPBPvCOb2yX4v46vr6Q84YvnpfmIw/ff549Y4N"
    "bQE960SCijkakteqR/o405gaJa/57TLXfNjfcGj1Dt0D/ewLB6rkdIrr0zo/kxvdAyvrB2"
    "7avtw0WIeOch2CJGrNtN4kifrwuWEDSqXu4YwAl72QGr4ZkZ4C3joB7BJrKf5WQDgro11G"
    "TA8bsR+ZoeCZoSeJhVaDnJfSDubz0yan1rNelUCLtkJaF8NILa8rEdBupjhrAu9ZNbpnJX"
    "Dvkesqk1lbIWCyFJisCDaTmU0+ez2FAV0S1G7i6CXly0F+YDr0gbgtzPeSMPBJwzHYlfmk"
    "zLpt2+yxvqxs8VUs+tOvN9hBAs2y3mOy6DK6zQjdtqo6Dt/65tze0nAtXlXKvMWt0138G3"
    "tx3hFouCOl4YaaLaGrJoYcvj+cId5xVBk24R5uWD8ihzBrwaMrVRMxL6khwzt2A7Gs5lbJ"
    "6wVRUPSgFZ1sNWgRp8tJaqjmkUZsIF8EvuraTN06I6k+VxeSpesNpRLFUtZIWR3KNTEj3/"
    "8uc8ORKaSKU5kWamMWBuOgimNeYo9Yi4mEnolbpnXUDNr2GQwpcyyMTG9Hnj5izydqoYqM"
    "iIbJ5P3sTGcflQLCcXcN0T09OWmyGeLkpHo3BG8rJewH2JUYhtUlWjIi+6/Schh7sLN6LA"
    "fN8f32/7mwbns="
)
