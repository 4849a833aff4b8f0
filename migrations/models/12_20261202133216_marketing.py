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
    "eJztXWtz2ziW/SssfemkSt1ly7GT9GxtleNOurN5uMt2dqamM8WCSchCmyLUfNjRzOa/Lw"
    "A+xBcogiYlErofpschcSnpXBC499wH/jNZUhs7/k/ntu1h35/8bPxn4qIlZn8Ub02NCVqt"
    "Njf4hQDdOmIsigbhaNitH3jICtiNOXJ8zC7Z2Lc8sgoIddlVN3QcfpFabCBx7zaXQpf8FW"
    "IzoHc4WGCP3fjjX+wycW38DfvJP1f35pxgx859XWLzzxbXzWC9EtfekLv3bvBOjOUfeGta"
    "1AmX7mb8ah0sqJsKEDfgV++wiz0UYP4JgRfyX8C/YPxrkx8VfdnNkOhbZmRsPEehE2R+8a"
    "25uTYxzc+XN+b12xvTnChgZFGX48u+aqSvO/4Vfnw9m52cvJwdnZy9On3x8uXpq6NXbKz4"
    "vuVbL79HX2aDVvQogdn7X99/vuFfiDIlRurlF74LGRSgSEooY4O+5WGOl4mCshZ+YXcCss"
    "TVeshLFvRhx6I/JX8UtZPook49yYWNfjbTchcKYj/QvnSddTwxarC/ef/p7fXN+aff+cct"
    "ff8vR+B3fvOW35mJq+vC1Wdnz/PKSh9i/P39zW8G/6fxz8vPbwW81A/uPPGJm3E3/5zw74"
    "TCgJoufTTZy7yZw8nVBDU2cqP1cGW31HpeErQ+FK0nGGXUHn/7jdbF/5f0fbFAXrWuk/EF"
    "LTO0xqjXJfpmOti9Cxbsn2cvavT6v+dXF7+dXz07e1HQ1ef4zkzc+p4Dd8UgUkI3FdAQ3p"
    "NZA3hPZlJ4+a0CvB59IK6lhnBGRkOQu5/DFgnWKgAn4wHcBuDahH8Bq2LHlQOclQGQm4CM"
    "A0QcJYhTCQ0Bnp2eNkCYjZJCLO7lMSZ++rVLOL+h1MHIlXhuOcEC3LdMsi+80ys9AF7nkV"
    "1efsyZhm/eF/yzz18+vXl79exYwM8GkSDntmUMdh97pqqnnBHa7i6PYW7vzGPmZMX8vtJh"
    "5qCW1fCOepjcuR/wWqjiPfveqNryiNmZL/FjRqaC78kcS65OUofTQ48pu5Odeuy3s1+Mo5"
    "l9cX59cf7L24lA+BZZ94/Is80c1PwOndHClXRs+dZytixeQS66E+DwX8G/c8qJLYk7qSTL"
    "+I1pPVXGhgBPBjxZSQvAk42RMQGe7BC13oQn45uXKleWlenGkdjvots3W4Z8/5Gy7XyB/I"
    "USp1MU1NBrO569aoA3GyUFXNwr0Q8rB61N1YldlNsd3pPJSCc383OZdUgeKnDe5h9v5Hbo"
    "HicLy2i9YwacH66wV+2bbcM8JwqshALuDvID06F3xG1hIZWEOzCS4pk8lGV9vDZRZAqXaB"
    "C5156ZFPTOr3gJY6l3H66wgwSQZZVnnfGP9G60Ci/RI9+fSGps0PXYWlYB7yfkrm8o/29D"
    "/umKPWd0VmkN+yR+lllgdZIf6fEpx5yx5PaGyplTTyjgHq8TdGPaKtVNfCuSiW8GC4+Gd4"
    "v0upmqpZLtYtfNEtDftzNV/B2QkVXx+7GFrzKTtxE4q8PjrKIZ0MabLUtq6GZ1b/hz6z3a"
    "2BoDbUm2ws4A1ok1CJDH1qAIIwWQC2LaebDdZ9vEiFUt31thrlzDxw/y7nIV/uf68rNiro"
    "JNrMD4P8Mhfm9x3cl/zUNXrFbGbUicgBlDP/GP/e++4K+BmyOU85sSmJ99Ov9HUQMXHy/f"
    "FB0i/oA3RRJhpTLZo9Ewy7fO8nEFzna6W44zgtIkbhbZj6rWf1aqVcLKwNiAQeSroCSz4Y"
    "kJK2mGxLh00DRhJTv3cj48+wLG5y8fP+4tZWUeYO8aCWzLTEB6c1pLBfBhpo8cqPM6VC5g"
    "XNswZDJ0sw9D/opuWm+avzLEZGFdV90Mb6LKTPVMSe2P/Ds+a5LCUnxJMhksZ0VHkhmogR"
    "K4qQCgux1dthr6atT1RkLD2EA/hTNLZuJXBG/lhN9GYhiEH/88bQg/D7MfyCycJQ3dqlKm"
    "ms2yJAr1Na33TA+zH+9zW/NWqfi0KKfhKtQ9G+vhIPRcE216wzRdisqST1qShkkT7XDtEW"
    "hayPMIs7staiuZNhLxVq/AwDTRd2gzho4TYPfsezAfqgXwBWn9cO9j5fFx/NvLW21dhm5e"
    "sF1+7sCw3k12rof/xFZgtrHsC4L6ze9e7Hs2UwNq3ZsMqshAVJ/pZXlISFeY8ja2iN2K78"
    "xLQir6cOjNMqsdbcKt1FwQBT0PW88WJg8t9ZwTBT0PW898s2up55wo6HnIeqae3SIwlZUC"
    "mq2rtCCBalkRymlBl8lzRqaEpnlB2dmn2slmg/aCMMveq6A3lcrikmSf3zZP0wT1fJgkwM"
    "unVhAmUL1nz9IJp51kmiXzqy7hLDMHm+SdmZk3ANLPdE2EkKefzT26NJUj+Hkp/Vio7sP4"
    "zPpSRjkro2EQrXuQ2dpFK2yn2io/WtVdQgd4u48UuFRt/ibjtSvG6YWkhkRgOfrjTAltVJ"
    "CzscSUq3KKouCEd1abk0LbgSeeqwUZmTYaV+kU5+KgmsvmnM465ynxSht5Tqk7DH7T4flN"
    "Mf3EpkBb3nQjCmn9bVMU/wqRG1SejSFFPyui04Y5O37x8sWrk7MXKeDplTqcy5i2SbuFfN"
    "sOJjOYgmAKDlgbWpiCb5DrCjOrZAPGd2qNv1sxBmw+ra0LKNUGhgZKtXXWekVOTCnWzVyE"
    "qh2/JliTCGjHdvfQh51XT6qAmwpoGKc5PW5SSsNGSQEW9woNwIl7b6oWveeEdjiN3fi81T"
    "GGHDlmqhhruUr0Mo3Zok5UO7dmZXaI8oIudzSJuy+986kXmJLEQ6lvkRfaHeFw1K+P0RmP"
    "hl3+K1VLjTJScNBI8/oiP0Be4Lew0XOCkKU+HIu87Ihh126j4YwY6Hdo+i0Rr/uhBS/YIi"
    "ALDqf3pnXUoMVG9RUR/iPbA8y/D/lf/wLKEChDII+AMgSt72kDG013R01jtjnzP9oUlZDf"
    "yADwkIAzIOLAxw62AmXmICsG1EE9dTAYtyPAd5KCvvTetN7tEKMI9I8HDwM8DD1sTfAwDl"
    "HrTTwM1dMiNT4jsvsgGLHU4ozJeIjkNonkQoixB0/hgfhEvW9nRgr8hOYhxhXysFt99Gad"
    "tZsT6+nwND2t3pqk/AjUsiKUE/KzXtao1NA0Gz83/XKZ+FfMGrl6f3HTrFGStSCOzR5VMf"
    "kV2v90Cvcgqh/yS4RH7dAKntgj6ffoKRph1CuHQsMVdW/wcuUgMbHLTEp+xLSWTxFjzSAe"
    "DKyKxvvLFFiVA/KvgVU5RK0Dq7LnUo97UtVtXw5uMl5DcF81wPaVFNpXpWZnoubepPO5mq"
    "GQl9OGVNlx4HuFPQvL4JeTAXkpbcDvjNHiL4xNfEu9BUVREs6pbzu1gwXbWxfUUXRAcmLa"
    "zOwdY/+AHGKbvL2qqgWal4RM9+EYnGU/I9IVW6iI007NqSjoefh6ttG6ghGUrqN5IY22sc"
    "6MhIAGyDEdsiQVNoJ8f8pLAbCVRq0pEpJVsS0L7s4AOB4JuMT3Q2ybEtNWzusWxLSxrLrL"
    "l7WoWp+DVGCHqRvIcSZ94dlziwMBl0lspVOJc0JwRnrOYuninGLEftyDaubHRggSPzpLEC"
    "+u8E8L/n5hu2gUsBwh37mXAPA79EA9Uh36Te9N64K+83hUs2jv5NyI4/wGMqzQD+gSe8Y9"
    "xivfeEZdbHj00WAG0eYecu1E5PlPkwKSHTxuW8lwPBjKhgdG+8jDz1BKuD9if/OyKKGfl4"
    "OW3m3xh8wLuULGGYOXZV4MpAjvnYP8hejJXGVApDfrLQg+TPQ8bmxDCJEfuYghzHISrI1n"
    "X8OXr+3Z1/Ds5Yuj5z8bJPCN6w9ffMPHjmOgwGDbO/EM+ugyA4BY2OB0f+aiOKV+WmFh9P"
    "dhX90A3WM3vSke8UN003hcsDv8YvqhxDfi11SYMXfMHWEeGkrGksDg7XpkVg0YL8NZseXG"
    "yxhap444o2Ywrc4GZq6MZDdsFDgaRKsz0G9v+hWvYisjNy8J4d8ha5m9jq10nJUDDQ9Zw+"
    "Csys0gvZxVKBPQWeuyMoF2YaCkC2j7KFBKOySNR0c2DfYTCEpAexOuq894KoyYNqN0zFs+"
    "uiGx8xt9NNg3XBtMFYFv0LmB3Az9wdSZDfPwdFnfIK4hmhz4hksDw+IVy46D7Z8FdeKx2V"
    "jAvJcP+eryP1bY+5HHEQyRyCPomgW27mO6RiShsL+pO2UfzR4mSCMeoHKodS+PRWXOukyC"
    "FBCIGgWX0+qA0x0cbXoAgSiIAUJXy/0j/6QsvaFFeGQt3kvmViOzoHm398mlKwIjhZ06ir"
    "mI4MpUbMNR1MTB88CYU765RpeXzJA1eCpIuqUzi8QvZ5L09ikQihn0wiXfvofZF1lXPUAS"
    "yXDwJ1ZVcmwt9KSyUdSod+9dt2HnO4uC0ZSO1wnz7gpGmHNPkGOqolqSA3R1qXUaEb5+ZQ"
    "F5TatPzQrHOwMy63EomhMlUZ1m6n47UG6gLatEuQtlLstwZNqQUf3TQiPK0lzMNaO8OL++"
    "OP/lbV0vyl4ZAq6wRVDXRbA4ZFrLEkSDoY/gYTge0EfwcELFkCBwiFqXJQhAH8EdZT1bDM"
    "Y7bN5WxGTkCOeENIS5446CXhjXr+TxlRf5pwJQ4J9bo7oo8GcmJDaVNZKXArV0rhb8zXJC"
    "np7r4Tv2VZWUUyULKupcRcRPf0NJObXtMfKCO2yRkV7RtUdGn777rx4NV5MKjz26Ma3z0+"
    "/4EIUYvhgv4uvRnz/ehuufDbrCriFa8kVXTZ/8GxtLvLzl6XYL9ICNFSK28cyiyxVnPOzn"
    "BhXWRyl83+UHfHV5OeW3FWHvCpOeE57vZzybIyLy/vAD9taRXPQknu3n4TlP7LOljSWAdh"
    "gD7RDNEjZ3lCnjoiTEoNsGQ9k+Y7fI4MuJAV/fPhbNlkiV+FM8XCfEu+vKHe00CnBmJCCi"
    "Vz5JrmpRkAec0a4Xg7EA6QcoCCumZU3rx1Rih70fufnWl3PVd/PH2H5sU8Wak9SQyh4vdV"
    "2OWKSOQ5tIVUEWSpaHrOnI/Wuh5pwg6HjIOoaos3y/HGf8ceA91ATV9iZcT2Q0HL833crE"
    "cd6hcQO1lB8z6HyOPd7P7Gw2t76Gp2d49tygroGSNqmZ5mYoiDk2ke/tiwqYiAVkjylRcr"
    "18ylc3Q+IlxTb+1MDIWiQEICf8EgOKuOaChh576jwQJbecqOMjsA0s3fApCTlLB1Ui+6WI"
    "Nq+hgjeeFwK6qALX4sKlgG6VKGBcTX2Mpgsg2PEt7fixtAEEBbdUcGQelvUrzyHZSAwjc4"
    "R/rDaZI9CwT/cXDpgRuYWiFzMC+fg6a12Wjz8kPuyTiIFPZJRYfHu6nRXLBNO7rSH7I/4A"
    "aM02WLZiW45Xu/wuyC56InUEzdn2Br3oYqmMfVaqk6N/D2YF2pa3VJtSL8ldgmT6YjJ9Fu"
    "c/KXFbWas5QTBWh2KsDjx4+97GyxUNsGutP+DKEG5hRK3JSjZjzXvcMJyraLVmNlL2EWCw"
    "Dmm7gEMtB6OKDfT3WKluOh6uYcX08axJzTQbJU+RnZXqpgdike4baDgudFg5FWAs9WAsXf"
    "K3tspGim7UmkbR+QvdG0Rg/gxnZYJWULBUQehJZ63LQk9li9ClKkZ3VqYby3u/i27O7j6Z"
    "NTC7T2ZSq5vfGgcDr+vGNuyqy/3N7FmTVmczeauzWanV2R2lPH9vyQ/bUgzuFSSBMWk9yZ"
    "MOrm3UUJYFRbRWhE18cexcK01UCIMqnhD/W7fSQl4OFNBaAcwAZTaqUr5wRmT3CcP7SUrt"
    "JTXYw0vkVZzCITd6NhI7bDUx2Y3Nc3raxOg5PZVbPfxeyaycz011nIty2qF9enTUAG02So"
    "q2uFfhPrG9ccWgauVF5WQhftE6mykMTPYlbKzKFhTkWs36YeU09UwYIPvP0G9nRpZEtWnF"
    "tPNz2TA3BqsWHPlUzwl1Ms/3vdL03Ct9XD2bdrnGjJdirqgdRKRNWCEjBqVqQ9avvyCrVa"
    "vIUV4StDxkLUPjtYPRND8DzmnXe60oC5oevqZNDyOfuiqWbklQP2u3+w6lScv6Fq9VQRTe"
    "qiG/VZGyzLlHl6Z6CLpaWr/3q/twtDhGmq1J7P89rFr/VRaGSrDujlXJkFu8NaA4XbXirX"
    "gTC7/7cIUdJH5pWRFxGus5f5BmR9HmpvOC8LlYUQ6hgpJI9v1t8yQdgWKTcvnEySRges+e"
    "oytGohuTGdHDS8wln47X7/yZ5+kjdYUu2pCfCNiVeMgVZj97zFHsMlJKJQx5ziiZNNWoXr"
    "r4hrL/bMf2OvOscVlEjeafIMnYU0x/7Vpd4cUfeB0/TxPM2tTHJDujrEwms3NuqZYxM9s1"
    "FM3omlssL5pp6e2Bm6fs5jHPWx3nnJCG5cLdw8zWr+jox6YQpwIawtt96NulgdoZ7PF47Z"
    "LGeknRgxJGOfrjLGZrUsK4p/YGg9PwzgyiEgNY0EVZEe8oLzlxP+C1UMZ79sV5KGkL0zBC"
    "JcjcFHbZQ4+p+Z6bfezXs9+MI4714vz64vyXt5Pve2wfIBgxmW+U0GXbHKOUngO36PDcIv"
    "8+VF6QNzJQ+to+fxVO7Nkn/gEJHCX7PhXQ0HuaNaoLmdXUhczKdSH+CltKBWapAJxHkbPn"
    "uyg6s+gD2+lDz1GZ8jkh7fza0+MmhSFslLwY6rhUGiLCeKorOqm0r8G3ab6a/xUily3QFb"
    "F4KexZEZ2Q7+xcsKT3gM/WB8UpXRKFKqcntixooYSyLGihbbG8KNproYOiJGigpQbSpDSz"
    "xVIvkdZGGZ0t+RmgWhW3Volrg/KOp3yaUd5iwlfKaqOIzqa7hx8IflTORM6KQQ6ywmkUcw"
    "f5i2h94JyzMvdVLQ8dI9ouMRCOg3DcUJSgRTiumHAti8xVJGZvC9JV5odvDdhNLl1sCFHD"
    "WiD3Dht0biDXCF1evG+IR/9k3Cyw8Xd8sUCBIRrBGNx48IyAXaaOHcs/IvGRWU12+/Svru"
    "VQH9vsCex/hosfjWxrGiOg9N4ggW+sHGSxn+pTNmqF1hwN9jT2eD8gjmN4GFkL7Ccf8NWl"
    "7Fs+i77BD77B8MLPDeIbc2ah2sYCe+xZ/CMTo+mnyRTimYNeRqc18UymcbNtd8GyLOxvrY"
    "0L9v62VkRZFhTR3spjcq17g1XIQkfxQhio3CCMz9+2kFfJAuRbIVdvkfDE3giDW1z6T9qF"
    "jPNeM84hJ1oOPeREAwkDJAyQMFtImDC4pd/ePsi4l8ztaS3lIgaa+KEx0QKZ0aNcC6Y1TA"
    "KntFysljC3EQGLp0mNHVqq1djF4wHcBuDyiV0GV55+m4yHwx2ekmc7KhseDpHtxIRfhbfs"
    "9Vi0UntRFjoHDrlzIPtdGFUnLtQdK5IR0q+BRPdcnuUgNtNtM3QDUmF/bVlHi8LwRg3tjS"
    "p54Pv0Fq/YtiQ5hzt7f9rAX/TE0IaR+d/oI7vlGch4pN69CIijQASvA98IqBE904h8UGOB"
    "fH7PNp7drpNbxH4uYtW5kHx3j32C47pfu17DOIfcS3WQr15EmhHSJit0x1FVOI1brpBxWv"
    "oV21Xatm4Au9XvUaZT1UaV3Krdo+JMKaAzD5TOHG6cSVddDORovqFpoGfnkX2U6yNRy6/o"
    "p5cltbNHu2eZW9WJQVpfJ0dos5WZrrCreAZiQU67vg7dz/FBnI83tFk/Xqu+TOuGLv62wl"
    "agXAqYF4RiQIViQJcGZE6stBV60zBlUQ6aBR14EBO4je2roCyKORRug7gutj/g9SPzNydV"
    "DEduwLSW5xBDzftobEMy/tyIxxt+gOZzYxUGxpx4fmAwW9W9E7VkCxoko/wy797qCUCmDN"
    "rYlpMp95uZ2NTuzoiAW7nV5PapF5iSdFx5X9KckDaRjc76XcC+Dvv6bvf1qFlt5Y4e36rf"
    "y6NBELM40G0WFqxDWbAgtK6z1mWhdWjILTvbfNakITcbJT/dfFZuyB3eKoOcldEuUtBLkX"
    "T2m5WAvsHfZN1a82IaYF23Nr39x009a5kuTR8vP/+aDC9SmXngyZIZoUoN5zcSwyCR+edp"
    "QyLzbv4m/4fyGQAbKVBL99w+7+mvsgOkAhosSTs4AIAh5KOqPbY2jpiRgiCiQhCRg1Z18H"
    "fd4UWJiDb84I4TT5bENVscc5ETA+xbYs/WrzbYZ8UA+5Y96D1rQR5a8RIFUahIGw4PUaaf"
    "GOrsp5pWdV6jvOd6QUyb16y7dusRQn64VFu98nLa4Lrj5Ss5kyfAy5XDkFLvvl79gJ7ar+"
    "sa7Mh4YgyeO+qtlRVREAQFdNP8K4G1rAzl/l8XmUeNShHfk7m2pQFYYQrmeoCx72B8/vLx"
    "Y10TsNz5s1UOXCz17sMVdmSpnjHY1/fhCPl+GdLf+4zHX2G2iPuLG3qP3UlFUD53f1oXmf"
    "eikWbAhyr0oie+H2LRa52LG0L8bwZiIkvirHlbdt6t3aF3xP3B513licubyns0ELOgIvGu"
    "s6c+IUvgz4CoUGrxcEgDK9BpSRqYPCEgUqgK1hsJ/YrneqjmCm2C3Sp6oabJb0ZGx1DsWZ"
    "NIbNFhzQRizyrisH9iS7FmLiMEdbhtTe5on2hB4OQEIa9kKHxOk2wi/G1F2NNaKD0vqV9H"
    "vpEouVkFn98uYcwHUnYU+vXwAzPq26g4LwlaHpqWB5KqfiVO/7rCTKd+ZcJ6fsB0i3PMhp"
    "peNBay17W2LiF7HexNyF7XWetNstd5p6Z42Vdv8ZQTBFZwK0sFZ33t4Kwv6Ou0H47KD1BQ"
    "FRKr6y+eSOhHcXfPvs49ujTVQS6I6biMNFmnZ/J1elY+gQRbxGYGza1SxCYvpV+//B5Oeo"
    "kRUzc585JAjgzHwqyiwISVqNbtLycE79L2d2mOiBN6SgHQjIh+CPdjXLJ5vkQBsSrsy7oy"
    "mZwcFMooFMrE3b+Vcw3zcj2lGh6AVY/mAfZEjZeyCkqikPDZtg33YFuga/oG1GTbwlG7Rq"
    "NM26EetXuFHwh+nFQGysSdaX2EjI+ByJjWC+/WsygCXH2UXoPVeCPazZJ8MEoZw26oP/ah"
    "3wL6jBDYIa2hj3sKqntCOTmY+m3xj6o5y9hfL5HjbKkB1W3qn8xenqVg83/UwXv96fzjx4"
    "oyQuoGuCpSV9fSJRXRrqnL8dFRo9ZpbJg8aCRuQnepblisfrpLBQwx1SBpryUqpZV7c7T3"
    "jmZ+56FS7rh5okLOdKka3BWi2i01vVDjHl6pFbilAvrFHk4bLeWnNSv5aXkh53iRlpnkWU"
    "kIlg45WJquvW3O7SrIgqaHrGnIspavpuPMt+3gUIOMDYNtgkxrga37J/aZiHjtT/x5F/xx"
    "I5wQe2o6UcBNGjPIY7stemAWVbu9A8XfMbOjgh98A/lr11p41KUh7wfBnsD7QfAmEdGzDe"
    "G8Gc+W6Tc65xJTfoyTayBjFfqL5+VeFD08H2Icg+a1oPoH9iWo/tFZ602qf6KdKPQcJYok"
    "K6RhPnkv7bX5Bl+dQlV7rrslyZ1qR5JoXVz1gD1OUKsAnBHZIcm3wq4dx4TGSK6yH48r1g"
    "updZaO1ygJs7PWsijgXUmDCg9PnlaZEdGmp2xngLr4W2DGELUwZirEgUUbjgFTtlux51Gl"
    "Y0FSAf3CDj3FdQRnoeqT58R0Sn3Yb/axl+aoPjH9eJPsOjI1NM0/zk3AQSUgU4FrmUrk16"
    "e19CGNT4CB1GOg5YCWGztBA7TcIWq9CS0n/l/Bpk3GQwuerSxR7Smndb0ddDvldAeuwwp7"
    "S+L7vFF9GWt5/mlBDJJQc6tW2yRUhSSEJ1q/GXbLXpIq3X9C7vqG8v829FbO+YNGt5bVuC"
    "rid5kFDyD9lR7P6WB7d+r1JYb/nHpCBfd4vcE39nFS/cQ3uVB8K1h4NLxbpCJm+sBKx4hd"
    "N4sG+vdan+Z6QVa83H5S4dek96Z1vo0fjwL/5lD9G+R5RPGE342IhmHI7m2fGC+GoK1kXh"
    "bltLN+TpoEfE/k8d6TynDvPT/8T62pZkEMZnWDWf2I1rfEcaITnVTALglCRKCRWQ9MlBz9"
    "cXISTZiooVTdH4ip9CR3bWu3mksX31D2n4buV+teNUN1v57SqeZJwR/uDK3Yl75eu9ZE4i"
    "yl96fbHKaVOF6YDW2YRn6zwEa4ciiyk6xu8RTM/skxMAJqpJngX8PTE/v4a/jKnr38Gr6Y"
    "Y/b32dHZ/Gv48haxv1++ODozni3ZQ9YGmz9r35h79N/YNUI3IE5FjvmuPxw8wQEvb1OIdI"
    "F9AZEurbXeJNI1gnYIO3PWuk/VheS4vvsBQ/qusBgOPX0XTr9sWQPvIKYC2xRmu7K1VxSG"
    "TO0h65r7qa3su5wg6HjIOmY/y/WRSJ1Qr3UrSGoXZeo+9BHRKWWY5bk1G4lhpNXwjx11Wk"
    "2ho+GceEvTw0uOQysGo/oRsOoNedXzcRA47ba2nCRoechahgAYBMDGpaxhBsDo6pqteux7"
    "R7OgFADL3J/WB8DoyvSzQweTNXgogaIn0j7bzlngex4/ZtjH7ONtFZJNKr87xu341dFYSD"
    "ex7SWWp43WSnRmlezuUH45EogdZmv4AbXuzWDBbJIFdVSWDYn0DifzWKbynJdBLwJz7lQZ"
    "41KAi2K7Q3Y8qwTDCJtp1kmbaVzzhN0B/vr1aBD3w1v+PW6ZYYKXK14SolRHJREH4qdz4i"
    "cyN/C3FfGi5O2AWLi12VLznN29JiejeUsyx0yq2i5lSbBcSsfe4CD0XE6UsBdAaf0pSz5p"
    "6RkPtdXLGsNME38RTdb2flH9Q2B1qTjwDNLSDiQtbXcF0vUE2X04qeLF2OVpLR12HzbMAr"
    "90MbPD1lzQeEAeQW7wNwN51oI8YNtgE3DBs7EXyDUiJtCeGj5xLRzlafsGcm3DQl7gGyvK"
    "5oKBAoME5Xzv/j4GMrsHzNtPa2g9yOzWbTGFzO5D1HqjzO4VttToikQACIrOnYeVR6yKNP"
    "v6Y2NJZUQUmndu2/+y1Q00OhKmoXuWjofE8PJpsYo9K3TtVdFDAwUR+1CYphsBmKclNjJ2"
    "cFpYOwVRyAYbjnVTNmrhNPYBpISV1FHWhXJj7N83TxqXHppme+VnYC7f64q9FlfvL2721R"
    "r7OolYfsK+j8S8KhNhxTHTWlYsjYEuo+EKHFksK64ZsbhBH7FtzKknGhjgB+wGSTeDqIvB"
    "M19cYlNsapA5J62QU9UNoY8PAF5swIvXFHixA2JIgBc7RK034cV4d9aSuuV+bDxcu87er5"
    "s0O3gtb3bwutTs4J79LCVk4/EaNlmcNeEIZnKOYFauNPRb1L5khMDRacsh7qnsaGDUwZ6w"
    "D4Nb+k0d/KxYT+gfwMRfYVethnwjAazvVtY3yQlWrdPPi2kH9PHsVZMuTLNX8jZM/F4e6z"
    "sPuepUYVYK1vC2ywh3usu4y8PQyXiIQuccqk6i0DFd13StScZrt8j00osMWulBKz1opQeR"
    "6JG30oOI9BR66YGut3Ucctu80xkx0O/Q9DuU+pNMUPpX7oFO5EH4zKBpgyi8GG4Kt1YhDE"
    "9d/COfkQayLLwS2Rs8Io7y4fOEl/jZICIiTh99ETSPw+rVAfjuHr099P5Hlg4vsCiRJf4v"
    "iM4PMjo/1NjHAZA3YyMpd+fg9kFTDo9BqGBo0AMi0RN2A3TnTIJPQ6+qGKMG5lRCw5ncZB"
    "7LZ3FpDsetqHDVck2pg5ErqxfIyBVgvmWCfeGcXtmtRfzm8vJjzhh+876wGH/+8unNWza1"
    "BfRsEAkkazQkr8ln+jjTmBolr/ntMtd8qG/Yt3qH7oF+8YUDVXI6xfVpnZ/Jje6BtQIFN2"
    "1XbhrsQwe5D0EStWZab5JEvf/csAGlUvdwrojLvpAavhmRngLeOgHsEute/K2AcFZGu4yY"
    "/iA22Ytv8y/SAuqsrH5pHN1jjh6YceaZoVcRf5ajnZfSbmqfHs8a4MxGSYEW9wqpdAwjtV"
    "y6REC71fmkCbwncnRPSuDeItdVJhA3QsAeKrCHEWwmM1V99vUUJnRJULuFo5c0Owf5genQ"
    "O+K2cJlKwsDhDcdJUubwMvt21KK5qr38m1j03Ycr7CCBZlnvMUF3vun0PDJXWdY743vfPO"
    "cFDVfiq1aynfHd6TbOk31xPhCozwOlPoeaoaKrJoacMrE/Q7zjSD4UPu9vWj8ghzBrwaNL"
    "VRMxL6khqz52A7Gs5lYFAwVRUPSgFZ2Ud7SIjeYkNVTzSKNkkKMDb3VtdnSdkVSfHw0J6v"
    "WGUoliKWukrA7lPqSR73+TeeDIFCLjVKaFfqSFyTiohqTn2CPWYlJBz8R3pnXUDNqMGQwp"
    "cyiMTG9HUz9gzydqoYqMiIYJ/P10A2AvlQLC8XAN0T0+OmpSgHJ0JK9A4fdKRRIBdisMQ3"
    "lbnIzI7jvj7Mce7KwHzl7zqr//P1JbbS4="
)
