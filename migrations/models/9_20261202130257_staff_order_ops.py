from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "order_price_adjustments" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "old_pay_amount" BIGINT NOT NULL,
    "new_pay_amount" BIGINT NOT NULL,
    "old_out_trade_no" VARCHAR(32) NOT NULL UNIQUE,
    "new_out_trade_no" VARCHAR(32) NOT NULL UNIQUE,
    "reason" VARCHAR(255) NOT NULL,
    "actor" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "order_id" BIGINT NOT NULL REFERENCES "orders" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "order_price_adjustments" IS 'One price change of an unpaid order. The WeChat trade under the old price was';
        ALTER TABLE "orders" ADD "out_trade_no" VARCHAR(32) UNIQUE;
        ALTER TABLE "orders" ADD "adjust_amount" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "orders" ADD "staff_remark" VARCHAR(500) NOT NULL DEFAULT '';
        -- Written by hand: staff's price adjustments join the amounts' rule.
        ALTER TABLE "orders" DROP CONSTRAINT "orders_amounts_valid";
        ALTER TABLE "orders" ADD CONSTRAINT "orders_amounts_valid" CHECK (
            goods_amount >= 0 AND freight_amount >= 0 AND discount_amount >= 0
            AND pay_amount >= 1
            AND pay_amount = goods_amount + freight_amount - discount_amount + adjust_amount);
        -- Each item's part of the adjustments (after-sales refund from the items' shares).
        ALTER TABLE "order_items" ADD "adjust_share" BIGINT NOT NULL DEFAULT 0;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "order_items" DROP COLUMN "adjust_share";
        ALTER TABLE "orders" DROP CONSTRAINT "orders_amounts_valid";
        ALTER TABLE "orders" ADD CONSTRAINT "orders_amounts_valid" CHECK (
            goods_amount >= 0 AND freight_amount >= 0 AND discount_amount >= 0
            AND pay_amount >= 1 AND pay_amount = goods_amount + freight_amount - discount_amount);
        DROP INDEX IF EXISTS "uid_orders_out_tra_9ee743";
        ALTER TABLE "orders" DROP COLUMN "out_trade_no";
        ALTER TABLE "orders" DROP COLUMN "adjust_amount";
        ALTER TABLE "orders" DROP COLUMN "staff_remark";
        DROP TABLE IF EXISTS "order_price_adjustments";"""


MODELS_STATE = (
    "eJztXW1znEa2/ivUfIlTNZuSR5Zs7966VbLiJNrYVkqSb7Y2SVEt6NF0xNAEGslz9/q/32"
    "7ehpeGoRGMoOd8iGNDHwae0zTnPOel/zNbUxs7wXdntu3jIJj93fjPzEVrzP9SPjU3Zsjz"
    "tifEAYZunWgsigfheNhtwHxkMX5iiZwA80M2DiyfeIxQlx91Q8cRB6nFBxL3bnsodMlfIT"
    "YZvcNshX1+4rc/+GHi2vgLDtJ/evfmkmDHLtwuscVvR8dNtvGiY+/I3YXLfojGih+8NS3q"
    "hGt3O97bsBV1MwHiMnH0DrvYRwyLX2B+KJ5A3GDytOlDxTe7HRLfZU7GxksUOiz3xLfm9t"
    "jMND9d3pjX729Mc6aAkUVdgS+/1Vhfd+IW/vZ2sTg+fr04Oj59c/Lq9euTN0dv+Njofqun"
    "Xn+Nb2aLVnypCLOLHy8+3YgbolyJsXrFga+RDGIoloqUsUXf8rHAy0SsqoXv+RlG1liuh6"
    "JkSR92Ivpd+peydlJdNKknPbDVz3Za7kNB/AHtS9fZJBOjAfubi4/vr2/OPv4ifm4dBH85"
    "EX5nN+/FmUV0dFM6+uL026KysosYv17c/GSIfxr/vvz0PoKXBuzOj35xO+7m3zNxTyhk1H"
    "Tpo8lf5u0cTo+mqPGRW62Hnt1R60VJ0PpYtJ5ilFN7cvdbrUf/r+j7fIV8ua7T8SUtc7Sm"
    "qNc1+mI62L1jK/7P01cNev2fs6vzn86uXpy+KunqU3JmEZ36WgDX4xApoZsJaAjv8aIFvM"
    "eLWnjFqRK8Pn0grqWGcE5GQ5D7n8MWYRsVgNPxAG4LcG0ibsCSfHHrAc7LAMhtQMYMEUcJ"
    "4kxCQ4AXJyctEOajaiGOzhUxJkF22xWc31HqYOTWeG4FwRLct1xyKLyzIwMA3uSRXV5+KJ"
    "iG7y5K/tmnzx/fvb968TKCnw8irOC25Qz2APumqqecE9rtLk9hbu/NYxZkxfJe6jALUKtq"
    "+IH6mNy5P+NNpIoLft9Ibnkk7Mzn5DITU8HXdI6lR2eZw+mjx4zdyU89/uz8iXE8s8/Prs"
    "/Pvn8/ixC+Rdb9I/JtswC1OEMXtHQkG1s9tV6sy0eQi+4icMRTiHvOOLE1cWdSskycmDdT"
    "ZXwI8GTAk1W0ADzZFBkT4MkOUetteDLx8VLlyvIy/TgSz7voDs2WoSB4pPxzvkLBSonTKQ"
    "tq6LW9XLxpgTcfVQt4dK5CP3gO2piqE7sstz+8Z7OJTm7u53LrkDxIcN7lH2/l9ugepwvL"
    "ZL1jDlwQetiX+2a7MC+IAiuhgLuDAmY69I64HSykinAPRlIyk8eyrE/XJopN4QoNUu+15y"
    "YFvQskL2Ei9cPPV9hBEZBVleed8Q/0brIKr9AjX59IamzR9flaJoH3I3I3N1T82ZJ/uuLX"
    "mZxV2sA+RY9lllid9CF9MeW4M5ae3lI5S+pHCrjHmxTdhLbKdJOcimWSk2zl0/BulR03M7"
    "VI2S5+3KwA/XU3UyXegTqyKnk/dvBVZvo2Amd1eJxVPAO6eLNVSQ3drP4Nf2G9xx+21kBb"
    "NZ/C3gDWiTVgyOdrUIyRAsglMe082P6zbRLEZMv3Tpila/j0Qd5frsI/ry8/KeYq2MRixv"
    "8ZDgkGi+vO/msZutFqZdyGxGHcGPpO/Ox/DwV/A9wCoYLflML84uPZv8oaOP9w+a7sEIkL"
    "vCuTCJ7KZI9HwyzfOcunFTjb69dymhGUNnGz2H5Utf7zUp0SVkbGBowiXwWlmQ1PTFjJMi"
    "SmpYO2CSv5uVfw4fkNGJ8+f/jwXCkr75DrRk53hQZIzsybSIDbaAwwAAfKAEzr4wv5C/18"
    "fSFrRTett8laYYQ5arRIKgBezO6Q/pp/nZX8w1RAQ+L05GUbwomPqgU4OleKJRP3XpnZKw"
    "jtcRq7SeneHnKBTtukApWXnVwm0KkMaFWMtVwlBpnGfFEnqkGAvMweUV7R9Z4mcf8EdUB9"
    "ZlLfluX71PoWRaH9lcQcDetjLF6+ev3qzfHpq8y1yI40eRTVdB7siqeUOWxNGVQ5KchZa5"
    "87FTDks6CDjV4QhJyp8VjkVUcMu3YXDefEQL9j069CTtyQtOA5XwQuGF7PJMRgdm7eRA1a"
    "fJTJl6f1AOzgb/kCwOA+FH/7AyhDoAyBPALKELT+TB8waaEbdBXY47KbM//jj6IS8lsZAL"
    "4z8H+FyGXSPke1uOdFdEK+N+IgwA62mDJzkBcD6qCZOhiN28HwHfU3M6nbkZybN7sd0SgC"
    "LWfBwwAPQw9bEzyMQ9R6Gw8DWs4OGAQjllqcMR0Pkdw2kVwIMQ7gKTyQgNzK0pQaHYWcFP"
    "gJ7UOMHvKxK6/iarJ2C2ID5eHrafU2pOHHoFYVoZyHn/eyJqWGtpn4helXSMW/4tbI1cX5"
    "TVMqfs7NWBHH5peSTH6FXhS9wj2KyofiEuFTO7TYExt2/BJfRSOMBuVQaOhR9wavPdGVYi"
    "ZjUooj5o18SjTWZMlgYFU0/r7MgVU5IP8aWJVD1DqwKs9c6nHPn0sF3HS8huC2aUNa34S0"
    "0oIUrWnILXu6XKoZCkU5bUiVPQe+PexbuA7+ejKgKKUN+L0xWuKFsUlgiSmqNq3LktDyoO"
    "vUZiv+bV1RR9EBKYhpM7P3jP0DcohtLn26VrVAi5KQ6T4eg7PqZ8S64guVrGFVGzVnoqDn"
    "8evZRhsJI1i7jhaFNPqM9WYkMMqQYzpkTSQ2Qv33qSgFwEqN2qhNqTK2VcH9GQAvJwIuCY"
    "IQ22aNaVvP65bEtLGs+suXtahan4NMYI+pG8hxZkPhOXCLgwguk9iSj1h9c82C0Dj6a4rf"
    "06a/ZqctUWA/lAESxMsr/NOCv2InyzhgOUG+81kCwBc2XnuUYdfa/IylqfSlEfOmADDZjh"
    "V7FQxdzSu2Q4BS3hFRMfUhYSjvezZW7B5LCswaYkhYVlymQwhpkL3sogRb5Zmdl9LIl97z"
    "zJ5Wngn08+6cZjKSisPLKJleYiNdpln29aZR9MZDRtyBmj/TWqkgN6r7UgUZcTprvU1GXG"
    "zbuVTF6M7LaLdld//VhmP1JnX9sBVaRbJQwmU3xAsyCf22lVu0yfhc1Gd8LioZn3eUioaL"
    "a/UUrrIkMCadJ/lS1MGtWCc1VGVBEZ0VkaYkdtKERBhU0T1lF206aaEoBwrorABugHIbVS"
    "mMnBPZfxD5ebLcBgkX+3iNfKWNCrYS2jW4WJyctDF6Tk7qrR5xrmJWLpemOs5lOe3QPjk6"
    "atNO5Oiovp2IOCdxn5Ji3U5eVEEW4hddl3QaMpPfhI1V2YKSXKdZX9aA1oQBsv8Mg25mZE"
    "VUmxzCfVuQPhbGoNpG3gWhXub5c680A5eM4i8e4aZMl60eCpL6xUSnSzFXIwseIl3CCjkx"
    "qH0Zs36DFfG8TpGjoiRoecxatujaEw2lOsWFS7Kg6VFrWjRSc5xumi7JgqbHr2nTxyhQ64"
    "haEdTP2u2/usbHy5A/WZfXqiQKb9WY36pYWVGBvqkegpZL6/d+9R+ODhi17vmaxP/vS4tz"
    "GvfUqAjvsXAqO6J/5dSKCIQlSf4qpVNRCutP2ytNMyTU3GE022HwiTClGxrqiJHnEwubMe"
    "m5xu5T27FGeP0irnmWXVJX6OLPzBMBu4oucoX5Y085NvvEKsYiE7KWtqtOUb108Q3lf+zG"
    "9jp3rWl951vNv4j64Vcxg41r9YWXuOB1cj1NMOtS9ZF+GeuKP3Jfzh01IGbucw2lILpmzN"
    "aXgnT0YcB5UXZeuD+pjnNBSMMi2P5h5usXlexLUw9xJqAhvP0HdF3K1BosJ+O1S4UaJPEM"
    "CvPq0Z9miVabwrxnKtofnYbHsBtRzbZmypsRZTXYE1NCnZsyL+1FlJ99ha2Izs+uz8++f9"
    "+0E9HgRfERI1bnG6V02S7HKKPnwC06PLdonJvQ66qHyq5b6jvzFeQA/674M8IcJfs+E9DQ"
    "e1q0qnZYNFQ7LKrVDoGHLbXum6nAODpvip/VpvOmRR9Et2Nf0rq9ITUmL6SdXzvIjsFRGE"
    "91RSdS+xp8m/ar+V8hcvkCLYnF18KeF9EJ+d46VPv4geBH5eyTvBjknShs1QzkCJAjY1GC"
    "FuRIOf2ljieRpMnsokyk2To76ZPZpYuNSNSwVsi9wwZdGsg1QlcUCBnRpb8zblbY+BVzq4"
    "wZUbGpIdJlfYPxw9SxE/lHFP1kXpP9Xv1313JogG1+Bf6f4eJHI1/+ajBK7w3CAsNzkMUf"
    "NaB8lIc2Ag1+NX75gBHHMXyMrBUO0h/43aX8Ll/Ed/BNYHC88LcGCYwl5TdirLDPryV+Mk"
    "0T/m42B3Zp1MvovIFd4ho3u3YwqcrC962zgczf386KqMqCIjorQszqzv0HJLLQtbDklFeb"
    "EIj52xVymSxAvhNy9TKsJ9ZfjW5xGT6FAvJ/Bs3/gQyVeughQwVIGCBhgITZQcKE7JZ+ef"
    "9Qx73kTs8bKZdooIkfWhMtkKcyybVg3sAkCErLxWrhy60IWDxtMp7RWi3jORkP4LYAV0zs"
    "Krj1yRDpeGgg+5SsB7DhD9CG98Jb/n6sOum9LAvtScbcnoQ/F0ZrxdaWBSH96vn6J/MsB/"
    "GZbpuhy4jEANuxkJaF4Y0a2xul0PxkeHfxin+Wajb7y5+ft3AY/Whoy9D8T/SRn/INZDxS"
    "/z6KiCMWRa9ZYDBqxNc0YifUWKFAnLONF7eb9BSxv42C1YWYfH+XfYLn+ryGvYaBjno31U"
    "GBek5/TgiaXHcLq8KWf/UKmaalL/lcZV1ERvC1+iVOdZJ9qNJTjd+oJFUK+MwD5TPHG2jS"
    "VRcj2f9jbBoY2HnkP+UGKCqtUvTTq5La2aP908yddlqBvL5e9unjKzP1sKu40UpJTrsyu/"
    "7n+Cg24RjbrJ+uVV+ldUMXf/GwxZRrz4qCUH2mUH3mUkaWxMo6U7aNU5bloHYbopjAbXSM"
    "Yo6F24h7jMxk3EZyat7IbcSDgNvQ2p9uyNWCBetAFiyg4HXWeh0FD32U6jZaWrTpo8RH1W"
    "+1tKj2UQpvlUHOy2jHKAxSTZW/swrQN/hLjeFQEtMA66a16f2/bpq9m2xp+nD56cd0eNnl"
    "KQJP1twIVeoTtpUYh7Mpfk8bZ1M0YTPFP5Rbt22lQC39cwCiFZvKFyAT0GBJ2kPfNo5QgG"
    "Tf2Ea+MScFZKMC2ShAk+3X1NRzNhWBDKluAao1cc0O3QkLYoB9R+z5+tUF+7wYYN8Ne+Rb"
    "K/LQiZcoiULm+nh4iCr9xFEXe7BZ8vyH2nesLKbNa9ZfH9AYoSBcq61eRTltcN3z8mVxdO"
    "6ov1FOFSwJdsJ/93KlZ3CjoSlFCmtVGcp9Kc5zl5qUIto2pihNwUJvCn4PxqfPHz40Naco"
    "7FLxxP1dr+/DCdLLdUir7eqqGP69wkv+XV7d0HvsziQx4ML5eVMg2I9HmkwMVeiRSoIgxF"
    "EPUCFuROL/MBAXWRNnI9qFii6iDr0j7jeB6HZKXNHs1KcsmgVBtQ6rt6s+ISj9JyMqDE4y"
    "HJJeS+xNmhDYsNVnpFAVrLcS+uV0D5BkHNoEuzJvtqH5XE5Gx8jfaZvAX9k/ysX9TiVhvz"
    "+xpZjKnROC8pCuJnf8nejAFxQEIY1hLPRBm+QV/MUj/GodlF6U3I/Wn8HYH7uS2yWWB93y"
    "kwLgACehXx8/cKO+i4qLkqDlsWl5JJnRV9GuFFeY6zSQ5kcXB8x3OMd8qOnHYyFZWmvrEp"
    "Klwd6EZGmdtd4mWVo0EEiWffXOAwVBYAV3slSwB8Ue9qCAdgPPw1EFDDFZSKyp7WUqoR/F"
    "3T/7uvTp2lQHuSSm4zLSZp1e1K/Ti2pnbGwRmxs0t0oRm6KUfm1cB+hAniCmbnIWJYEcGY"
    "+FKaPAIitRrQlNQQjepd3v0hIRJ/SVAqA5Ef0QHsa45PN8jRixJPZlU1VGQQ7qMhTqMpKm"
    "lMq5hkW5gVIND8CqH29TSE3Bb0j0hN3HjFZJnmPdfewKPxD8OJPGaKIz8+bgjBgDQZkDDc"
    "okk5ph+eYiLVbjrWg/S/LBKGUKX0P9sQ+DDtDnhMAO6Qx90j1N3QgvyMHU74p/XLdWxf56"
    "jRxnR7WbblP/ePH6NANb/KMJ3uuPZx8+SCrYqMuwLEjU1LwiE9GufcXLo6NWTaL4sPp4RX"
    "QS+uiMuGGLCAKptexKBfYWnttudrinmd97lE44bn5UnGW6VA1uiah2S80grKyPPbXaqkxA"
    "P9r7pNVSftKwkp9UF3KBF+mYxJyXhDjdmON0sEntoWgaEnzrV9Nppnr20L49Z8NgmyDTWm"
    "Hr/oktDmJe+6O43rm43AQnxDP1OyjhVhszKGK7K3pgllW7u/nBr5jbUeybwEDBxrVWPnVp"
    "KFoR8CuIVgSiP0F8bSNy3owX6+yOzoTE3GAr7BrI8MJgJdmOdoDrQ4xj1LwWFJ7AdwkKT3"
    "TWepvCk/hLFPqOEkWSF9IwlXmQRsLiA4/Vd7rMZHohSbSu63nAviCoVQDOieyR5POwaycx"
    "oSmSq/zhsWS9aNjFPhmvUf5fb000EWN47TGJh1dfJ5UT0aZ7Zm+AuvgLMxOIOhgzEnFg0c"
    "ZjwFTtVuz7VGkDhExAv7DDQHGdiLNQ9ckLYjqlPjxv9rGf5ag+Mf14m+w6MTW0zT8uTMBR"
    "JSDTCNcqlSiOzxvpQ5rsdQGpx0DLAS03dYIGaLlD1HobWi76v4JNm46H7i87WaLG/Ryb2g"
    "rotp/jHlwHD/trEgSiR3oV6/r805IYJKEWVq2uSagKSQhPtH5z7Ja9JjLdf0Tu5oaKP1t6"
    "K2fiQpNbyxpclei5zJIHkD2lL3I6+Lc78/pSw39J/UgF93izxTfxcTL9JCeFUHKKrXwa3q"
    "0yETO7oNQx4sfNsoH+tdGnuV4RT1R6zyR+TXZu3uTbBMko8G8O1b9Bvk8U9zLdimgYhuzf"
    "9knw4gjaSuZlWU476+e4TcD3uD7eeywN996Lbc7U+jmWxGBWt5jVj2hzSxwn3kxIBeyKIE"
    "QEWpn1wETVoz9NTqINEzWWqvsDMZWe5K7t7FZz6eIbyv9o6X517lUzVvfrKZ1qnhT8Ec6Q"
    "x2/6euNasxpnKTs/3+UwedFGqnxoyzTymxU2Qs+hyE6zuqOrYP5PgYHBqJFlgv8enhzbL3"
    "8P39iL17+Hr5aY//306HT5e/j6FvG/v351dGq8WPOLbAw+fzaBsfTp/2LXCF1GHEmO+b5/"
    "HDzBES9vc4h0gX0BkS6ttd4m0jWBdgh7c9b6T9WF5LihW9FC+m5kMRx6+i5svNixBt5BXA"
    "W2GZntytZeWRgytcesa+GndrLvCoKg4zHrmD+WG6AodUK91q0kqV2Uqf/QR0ynVGGuz63Z"
    "SowjrUb87KTTakodDZfEX5s+XgscOjEY8kvAqjfmVS/AjDndPm0FSdDymLUMATAIgE1LWe"
    "MMgFHvmq96/L7jWVAJgOXOz5sDYNQzg/zQ0WQNHkqg6Im0z659FsQ3T+xwG2D+87YKyVYr"
    "vz/G7eWbo6mQbtFnL7U8bbRRojNlsvtD+fVEIHa4rREwat2bbMVtkhV1VJaNGuk9TuapTO"
    "WlKINeMXPpyIzxWoDLYvtDdjqrBMcIm1nWSZdp3HCF/QH+9u1kEA/CW3Eft9wwwWtPlIQo"
    "1VHViAPx0zvxE5sb+ItH/Dh5mxELdzZbGq6zv9fkeDJvCSSO1EOtV+LI/koYm13Y+3Am81"
    "z54Xmjw3oftszTvHQxXyk3QtB4QD5BLvuHgXxrRR6wbfAJuBL5kivkGrGvbs+NgLgWjjMp"
    "AwO5tmEhnwWGR/lcMBAzCKtmZA73M5B7OWJmbd7geEPupW6LKeReHqLWW+VeethScyhSAX"
    "AhenchPJ9YkkTY5o0diTRmAe31dn3/8vnHNN60oaWHlo2H1M3qfo6KVeW6VpP3n+eT2uQd"
    "PtAlUUgxGM8HuWqHwRa/I8gzqKijqgvlbqu/bK80LT20TSEozsBCEsEVfy2uLs5vnqvf6n"
    "VKg3/EQYCieVXlbspj5o1ETkasr+PhCrROIhsdMxJxgz5i21hSP6qKxQ/YZWmJbFwa+yKI"
    "DvEpNjfIUvAsyJGV2A7xA0DljHjxmgOVc0BOPVA5h6j1NlSOaPlXUXe965UM165d7Ns2Fb"
    "Rv6yto31YqaO/5Yykhm4zXsHPXoo1bu6h3axfV8pWgQ0J1Tggcna601zPlso+MOngm7EN2"
    "S7+og58XGwj9A5j4HnbVChO3EkBU7iQq00Qz1eLPoph2QL9cvGnT2mPxpr63hzhXxPrOR6"
    "46VZiXgjW86zIinG6VyGk6HgKn/QdOE7qu7VqTjtdukRmkwQ30Z4L+TNCfCYL8E+/PBBHp"
    "OTRoAl3vamPhdnmnc2Kg37HpdywlE7mg9I/CA53VB+Fzg+YtovDRcDNyaxXC8NTFfxMz0k"
    "CWhb0oe0NExFExfJ7yEn83SBQRp49BFDRPwuryAHx/l94dev8tT4eXWJTYEv8DovOjjM6P"
    "NfZxAOTN1EjK/Tm4Q9CU42MQJAwNekAkvsJ+gO6dSQho6MvqBxpgziQ0nMlt5nH9LK7M4a"
    "S/CZYt15Q6GLl1Ke45uRLMt1xwKJyzI/u1iN9dXn4oGMPvLkqL8afPH9+951M7gp4PIqxm"
    "jYbktfqZPs00plbJa0G3zLUA6hueW71j90A/B5EDVXE6o+PzJj9TGN0j6y8Hbtq+3DT4Dh"
    "3kdwiSqDXTepsk6ufPDRtRKvUAzepdfkNq+OZEBgp46wSwS6z76O8KCOdltMuIGaAQ+4Eb"
    "Cr4Z+pJYaD3IRSntYD552Wb7dD6qFujoXCmti2OklteVCmi3UvS/O/0tcl1lMmsrBEyWAp"
    "MVw2ZysymgStvTVwS1WzgGSflyUMBMh94Rt4P5XhEGPmk8Brsyn5T7bts2/9lA1j/3XSL6"
    "w89X2EERmlW9J2TRWXyZCbptdX0cvg7NuZ3T0ItuVcq8JWfnu/g3fuNiINBwB0rDjTVbQl"
    "dNjDl8/3yGeM9RZSjCfb5p/YAcwq0Fn65VTcSipIYM79QNxKqaOyWvl0RB0aNWdFpq0CFO"
    "V5DUUM0TjdhAvgi81Y2Zuk1GUnOuLiRLNxtKFYqlqpGqOpR7Ysa+/03ughNTSB2nMi/1xi"
    "xNxlE1xzzDPrFWMwk9k5yZN1EzaDtmNKTMoTAyg+29+YD9gKiFKnIiGiaTD1OZzl8qBYST"
    "4Rqi+/LoqE0xxNFRfTWEOFdJ2GfYlRiG9S1aciL779LyPPZgb/1YnjXH9+v/AzsZzqQ="
)
