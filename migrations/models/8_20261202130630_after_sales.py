from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "after_sales" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" BIGINT NOT NULL,
    "type" VARCHAR(16) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "reason" VARCHAR(255) NOT NULL,
    "images" JSONB NOT NULL,
    "refund_amount" BIGINT NOT NULL,
    "requested_by" VARCHAR(64) NOT NULL,
    "return_address" JSONB,
    "return_carrier_code" VARCHAR(32),
    "return_tracking_no" VARCHAR(64),
    "resellable" BOOL,
    "reject_reason" VARCHAR(255),
    "restock_on_refund" BOOL NOT NULL,
    "decided_at" TIMESTAMPTZ,
    "returned_at" TIMESTAMPTZ,
    "received_at" TIMESTAMPTZ,
    "refunded_at" TIMESTAMPTZ,
    "order_id" BIGINT NOT NULL REFERENCES "orders" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_after_sales_user_id_b51e5b" ON "after_sales" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_after_sales_type_b34155" ON "after_sales" ("type");
CREATE INDEX IF NOT EXISTS "idx_after_sales_state_de8dbf" ON "after_sales" ("state");
        CREATE TABLE IF NOT EXISTS "after_sale_history" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "from_state" VARCHAR(16),
    "to_state" VARCHAR(16) NOT NULL,
    "actor" VARCHAR(64) NOT NULL,
    "note" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "after_sale_id" BIGINT NOT NULL REFERENCES "after_sales" ("id") ON DELETE CASCADE
);
        CREATE TABLE IF NOT EXISTS "after_sale_items" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "order_item_id" BIGINT NOT NULL,
    "quantity" INT NOT NULL,
    "amount" BIGINT NOT NULL,
    "after_sale_id" BIGINT NOT NULL REFERENCES "after_sales" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_after_sale__order_i_5cd7c4" ON "after_sale_items" ("order_item_id");
        ALTER TABLE "order_items" ADD "freight_share" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "order_items" ADD "after_sale_amount" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "order_items" ADD "after_sale_quantity" INT NOT NULL DEFAULT 0;
        ALTER TABLE "order_items" ADD "refunded_quantity" INT NOT NULL DEFAULT 0;
        ALTER TABLE "order_items" ADD "discount_share" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "refund_requests" ADD "after_sale_id" BIGINT;
        ALTER TABLE "shop_settings" ADD "after_sale_days" INT NOT NULL DEFAULT 7;
        ALTER TABLE "shop_settings" ADD "return_address" JSONB;
        CREATE INDEX IF NOT EXISTS "idx_refund_requ_after_s_bf85b9" ON "refund_requests" ("after_sale_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_refund_requ_after_s_bf85b9";
        ALTER TABLE "order_items" DROP COLUMN "freight_share";
        ALTER TABLE "order_items" DROP COLUMN "after_sale_amount";
        ALTER TABLE "order_items" DROP COLUMN "after_sale_quantity";
        ALTER TABLE "order_items" DROP COLUMN "refunded_quantity";
        ALTER TABLE "order_items" DROP COLUMN "discount_share";
        ALTER TABLE "shop_settings" DROP COLUMN "after_sale_days";
        ALTER TABLE "shop_settings" DROP COLUMN "return_address";
        ALTER TABLE "refund_requests" DROP COLUMN "after_sale_id";
        DROP TABLE IF EXISTS "after_sale_items";
        DROP TABLE IF EXISTS "after_sales";
        DROP TABLE IF EXISTS "after_sale_history";"""


MODELS_STATE = (
    "eJztXftzozi2/lco/7K9Vd6pxOlHevfWrUoyPTPZSXemkvTdrZ2ZomSQY60xYkCk23dv/+"
    "9X4mXeRhhskM8v/QAdDN8R4pzvPPSfyZqa2PK+uzJNF3ve5K/afyY2WmP+j/ypqTZBjrM9"
    "IQ4wNLeCsSgchMNhc4+5yGD8xAJZHuaHTOwZLnEYoTY/avuWJQ5Sgw8k9vP2kG+TP3ysM/"
    "qM2RK7/MSvv/PDxDbxV+zF/3VW+oJgy8zcLjHFbwfHdbZxgmPX5PnWZj8EY8UPznWDWv7a"
    "3o53NmxJ7USA2EwcfcY2dhHD4heY64snEDcYPW38UOHNboeEd5mSMfEC+RZLPfFc3x6b6P"
    "qn+yf98cOTrk8kMDKoLfDltxrq61ncwl/ez2YXF+9mZxdvL9+8fvfuzeXZJR8b3G/x1Ltv"
    "4c1s0QovFWB2++PtpydxQ5QrMVSvOPAtkEEMhVKBMrboGy4WeOmIFbXwPT/DyBqX6yErmd"
    "OHGYl+F/8jr51YF3XqiQ9s9bOdlodQEH9A8962NtHEqMH+6fbjh8enq4+/iJ9be94fVoDf"
    "1dMHcWYWHN3kjr56++esspKLaP+4ffpJE//V/nX/6UMAL/XYsxv84nbc078m4p6Qz6hu0y"
    "86f5m3czg+GqPGR2617jtmS61nJUHrQ9F6jFFK7dHdb7Ue/F3Q980SueW6jsfntMzRGqNe"
    "1+irbmH7mS35f9++rtHr/1w93Px09fDq7eucrj5FZ2bBqW8ZcB0OkRS6iYCC8F7MGsB7Ma"
    "uEV5zKwevSF2IbcginZBQEufs5bBC2kQE4Hg/gNgDXJOIGjJIvbjXAaRkAuQnImCFiSUGc"
    "SCgI8OzNmwYI81GVEAfnshgTL7ntAs7XlFoY2RWeW0YwB/ecS/aFd3KkB8DrPLL7+7uMaX"
    "h9m/PPPn3+eP3h4dV5AD8fRFjGbUsZ7B52dVlPOSW0210ew9w+mMcsyIrFqtRhFqAW1fAD"
    "dTF5tn/Gm0AVt/y+UbnlEbEzn6PLjEwF3+I5Fh+dJA6ni74k7E566vFn50+Mw5l9c/V4c/"
    "X9h0mA8BwZqy/INfUM1OIMndHckWRs8dR6ts4fQTZ6DsARTyHuOeHE1sSelJJl4sS0nirj"
    "Q4AnA56soAXgycbImABPdopab8KTiY+XLFeWlunGkTjuots3W4Y87wvln/Ml8pZSnE5eUE"
    "Gv7Xx22QBvPqoS8OBcgX5wLLTRZSd2Xu5weE8mI53c3M/l1iF5KcF5l3+8lTugexwvLKP1"
    "jjlwnu9gt9w324V5RhRYCQncLeQx3aLPxG5hIRWEOzCSopk8lGV9vDZRaAoXaJBqrz01Ke"
    "izV/ISRlI//PyALRQAWVR52hm/o8+jVXiBHvm2J6mxRdfla1kJvB+RvXmi4s+G/NMDv87o"
    "rNIa9il4LD3H6sQP6Yopx52x+PSWyllQN1DACm9idCPaKtFNdCqUiU6ypUv952VyXE/UUs"
    "p28eN6Aehvu5kq8Q5UkVXR+7GDr9LjtxE4q9PjrMIZ0MabLUoq6GZ1b/gL6z38sDUG2qj4"
    "FHYGsEqsAUMuX4NCjCRAzokp58F2n20TIVa2fO+EuXQNHz/Ih8tV+Pvj/SfJXAWTGEz7P8"
    "0iXm9x3cl/LXw7WK20uU8sxo2h78TP/ndf8NfALRDK+E0xzK8+Xv0zr4Gbu/vrvEMkLnCd"
    "JxEcmckejoZZvnOWjytwdtCv5TgjKE3iZqH9KGv9p6VaJawMjA0YRL4KijMb9kxYSTIkxq"
    "WDpgkr6bmX8eH5DWifPt/dHS1lZcGw+4gCbItMQHJyWksFiGG6hyyo8zpVLmBcn2HIZOjm"
    "Owz5K6ppvWn+yhCThVVddVO8iSwz1TMldTzy7/xtkxSW/EuSymB5m3ckuYHKpMBNBADd3e"
    "jy1dCTo663EgrGBvopnFlzE78keFtN+G0lhkH4id9ThvBzMX9AbuGsqW+XlTLVfCwLolBf"
    "0/qb6WL+8J6wNedSxad5OQVXoe7ZWBcz37V1tO0N03QpKkrutSQNkyY64NoToGkg1yXc7j"
    "aoKWXaVIi3egUGpom+Q5sRdIIAW/H74D5UC+Bz0urh3sfK4+Ho2Yuf2roM3axgu/zcgWF9"
    "mOxcF/8bG0xvY9nnBNWb373Y93ymMmqsdA5VaCDKz/SiPCSkS0x5ExvEbMV3ZiUhFX049G"
    "aR1Q4/wq3UnBMFPQ9bzwYmLy31nBEFPQ9bz+Jj11LPGVHQ85D1TF2zRWAqLQU0W1dpQQGq"
    "RUVIpwXdx9cZmRKa5gWlZ59sJ5st2kvCLXu3hN6UKouLk31+2l5NEdSzYRKG1/tWEMZQ3f"
    "JrqYTTQTLN4vlVl3CWmoNN8s701BsA6WeqJkJUp58tXLrWpSP4WSn1WKjuw/jc+pJGOS2j"
    "YBCte5D52kVLbKfaKj9a1l1CBXi7jxTYVG7+xuOVK8bphaSGROBq9MeZEtqoIGdriUlX5e"
    "RFwQnvrDYngbYDTzxTCzIybTSu0snPxUE1l804nXXOU+yVNvKcEncY/KbT85si+olPgba8"
    "6VYU0vrbpij+4SOble6NUYl+WkSlD+bs/PW715cXb18ngCdH6nAuYtom7RbybTuYzGAKgi"
    "k4YG0oYQpeI9sOzKyCDRidqTX+5sEYsPmUti6gVBsYGijVVlnrJTkxhVg3dxHKvvg1wZpY"
    "QDm2u4c+7KJ6UgbcREDBOM2b8yalNHxUJcDBuVwDcGKvdNmi94zQAaexHe23OsaQo8BMFm"
    "MlV4lepjFf1Ils59a0zAFRXtL1gSZx96V3HnWZXpF4WOlbZIUORzic9etjdMajYVs8pWyp"
    "UUoKNhppXl/kMeQyr4WNnhGELPXhWORFRwzbZhsNp8RAv0PTb4F4PQ4teMMXgargcHJuWk"
    "cNGnxUXxHhX9M9wLyVL/71O1CGQBkCeQSUIWj9SB+w0XR3VDRmmzH/w4+iFPJbGQAeEnAG"
    "RBx42MIGk2YO0mJAHdRTB4NxOxh+rijoS85N692OYBSB/vHgYYCHoYatCR7GKWq9iYchu1"
    "ukwntEdh8EI4ZcnDEeD5HcJpFcCDH24Cm8EI/I9+1MSYGf0DzE6CAX2+Vbb9ZZuxmxnjZP"
    "U9PqrUnKD0EtKkI6IT/tZY1KDU2z8TPTL5OJ/8CtkYfbm6dmjZKMJbFMfqmSyS/R/qdTuA"
    "dR/ZBdIlxq+gbbs0fSL+FVFMKoVw6F+g61n/DasVAwsYtMSnbEtJZPCcbqLBoMrIrC35cp"
    "sCon5F8Dq3KKWgdW5cilHitS1m2/Gtx4vILgXjbA9rIS2stCs7Og5l6ni4WcoZCVU4ZUOX"
    "Dg28GugavgryYDslLKgN8ZoyVeGJN4hnwLirwk7FPfdmqzJf+2Lqkl6YBkxJSZ2QfG/gVZ"
    "xNRFe1VZCzQrCZnuwzE4i35GqCu+UBGrnZoTUdDz8PVsok0JI1i5jmaFFPqMdWYkMMqQpV"
    "tkTUpshOrvU1YKgC01avUgIVkW26Lg4QyA85GASzzPx6ZeYdpW87o5MWUsq+7yZQ0q1+cg"
    "EThg6gayrElfePbc4iCASyem1K7EGSHYIz1jsXSxTzHiD/cim/mxFYLEj84SxPMr/H7B38"
    "/8KxoGLEfIdx4lAHxr4rVDGbaNzc+4NJU+N2JaFwAm27H6Cm/6rublPwGlvEOiYqpDwlDe"
    "dzRWbIVLCsxqYki4rLhMhRDS+axJEImPqjbvZoVA0pF2fxymL33gmT2uPJODLvrjTDioSj"
    "MZSMVhuCtoiY2UbBdabRoFbzxkxJ2o+TOulQpyo9ovVZARp7LWm2TEhbadTWWM7rRMN5b3"
    "cRfdnqsNh+pNqvphy7SKZH4Jl10TL0gk+nIpjzezZ00yPmfVGZ+zQsbnM6Wi4WKLXYTyks"
    "CYtJ7kC1EHt2St1FCUBUW0VkSckthKEyXCoIr2Kbto00oLWTlQQGsFcAOU26hSYeSUyOGD"
    "yMfJcuslXOziNXKlNirYSijX4KKX7bsD2zwqH21l12dkgVFvvcq7WCzYZSqo2TMiLdRqvg"
    "8N+57LuvBXh/Dlpk079oykenGL8dJARfbPQaQN9ZcSg/z0IevXWxLHacXuZiVBy0PWskHX"
    "jmj60ip2k5MFTQ9a06LZkWW103ROFjQ9fE3rLkaeXNfCgqB61m73GfAuXvj8ydq8VjlReK"
    "uG/FaFygqKaHX5MFG5tHrvV/chI49RY8XXJP63K9/3viB8wOKG5Ij61Q1owbCre8jCe/a3"
    "uxIXekTWGJM+Kisc0tN5ScRcLElZlkEpSMj7aXslFYFK9kvbE6Z4ezYVMQq/Knui9BBc5A"
    "Hzxx5zuGTPwqIs8bEu7SAbo3pv4yfK/9iN7WPqWuP6rDeafwHTw6+iexvb6AovccHH6HqK"
    "YNYmETte3qvysVPL/460bD31zYHsbFWT2Kqzs1u6LOCrSPsq3H2UxzkjpGBdWvcw8/WLlm"
    "wVUQ1xIqAgvN3Hb23K5HqeRuMhF6RJLgjUylSjP86qiSa1Mkeqox2choewQUjFTkPS+4Mk"
    "ZZEjU0KVmzLNbQ+Snn2Z3UFurh5vrr7/ULc5SO91qgGtU+UbxZzPLsco4ZjALTo9t2iY+0"
    "KrqofCRjjym2Vl5AD/tvgzwiwp+z4RUNB7mp2dNTHxz86qTXxxLheydLAh1xAvFhhGMzzx"
    "s8o0wzPoi2hA6pZ0U67JhEkLKefX9rKJp+MSo6znYO2KTkrta/Btmq/mf/jI5gt0SUC5Ev"
    "a0iErId9Y0Ni5y9fj6IDmlC6LKtOQ9Vm1sCyUUZUELLasyk7wevcVCUyGtjDI6W3BSQLUp"
    "Qi4VVwblA0/5JCm3xYQvlVVGEZ1Ndxe/EPxFOpkzLQZpnBK7k0PwAYIPQ1HC6IMPPpvTrx"
    "9ecHDnxfBD6vS0NgARDNSxGAkhCKWp15q+mUtk21iOmdqKKEjH9pDMAhv49geumNgyPHc8"
    "Htr17ENoQwLRCSYQOf6cvx/LVnrPy0Kh6ZALTflzYbSWbFKUEVIvVbv7HruGhfhMb7nRak"
    "EY3qihvVESZaz9u4sP/LNUsbVC+vy0gcPoBkObeYyTn+gXfsrVkPaFuivsamyJmMYvYTBP"
    "Y1QLr6mFTqi2RJ44Z2qv5pv4FDH//N0kN2E6vOwenutxDXsF+49Xu6kW8uTTtVJCyjDgBw"
    "5FwAYL1QoZp6Vf8rlKCkQH8LX6BW3WFcRmfKr2G+WEg4DPPFE+c7iBJlV1kcLeZzq/CRPL"
    "7s2Sk1NvG4vunUf+U7aHgqxZST+9KKmcPdo9zdwqJwaa8neyKwJfmamDbcmW2Tk55TKou5"
    "/jg2inPLRZP16rvkjr+jb+6mCDSac9ZQUh8Uki8cmmjCyIkTQdahqnzMtBWQ5EMYHbGPfu"
    "xr+E5aOTMm4jOjWt5TbCQcBtKO1Pwx7HsGABBa+y1qsoeCiRr2qZP2tSIs9HVTfNnxVL5P"
    "25NMhpGeUYhV56jaXvrAD0E/5aVT+ZFVMA67q16cM/n+q9m2Rpurv/9GM8PO/yZIEna26E"
    "SrWA2EoMw9kUv6eMsyn6a+jiP9JdObZSoJbuOQDRZUPmC5AIKLAkHaAlB0fIQ2Xf2Fq+MS"
    "UFZKME2Vi1+0VdO7FYBDKk2gWo1sTWWzSeyYgB9i2x5+tXG+zTYoB9y74crrEkL614iZwo"
    "ZK4Ph4co0k8cdbG9hlGe/1DdhyInpsxr1l0LihAhz1/LrV5ZOWVwPfDyZXB0nqlbvhN7Hf"
    "w5wVb4716u1Axu1DSliGEtKkO6L8VN6lKjUkTTxhS5KZjpTcHvQfv0+e6urjlFpgHxnlt3"
    "Pa78EdLLVUjLbdglGf59wAv+XV4+0RW2JyUx4Mz5aV0g2A1H6kwMbViIdW9jjXiej00tEt"
    "cC8b9piIusibXhpzXKR1n0mdh/8jRjyZHR6EJzKQtmgVesw+rsqnsEpf/NiAyDEw2HpNcc"
    "exMnBNbs4hQoVAbrrYR6Od09JBn7JsF2mTdbs69QSkbFyF/nm2V7/vzf2JBM5U4JQXlIW5"
    "M7/E604AsygpDGMBT6oEnyCv7qEH61FkrPSh5G60cw9oeu5GaJ5V67/CQPOMBR6NfFL9yo"
    "b6PirCRoeWhaHkhmdHYD8HLfOLtDeK1zzIfqbjgWkqWVti4hWRrsTUiWVlnrTZKlRQOBaN"
    "mX7zyQEQRWcCdLxaeRV5bMW43yVkJBhqqXrGloN3AkjspjiJWFxOraXsYS6lHc3bOvC5eu"
    "dXmQc2IqLiNN1ulZ9To9K3bGxgYRG8HMpSI2WSn12rj20IE8Qkze5MxKAjkyHAuzjAILrE"
    "S5JjQZIXiXdr9LC0Qsv2yvvboQcyKiHsL9GJd8nq8RI0aJfVlXlZGRg7oMibqMqCml/H7j"
    "GbmeUg1PwKpP7U4oq4KCKCR8tu0OOdjOnIq+ATXZtrAFnNYo03aoW8A9BPtQTkoDZcGZaX"
    "2ETIyByJjSC+/OFskMl+/w0mA13op2sySfjFLG8DVUH3vfawF9SgjskNbQRy3s5D2hjBxM"
    "/bb4h8WDRewf18iydpQcqjb1L2bv3iZgi//Uwfv48erurqSMkNoMl0Xq6jqIJCLK9RA5Pz"
    "tr1KmLD6sOGgUnoZlRNyxWP82MGEdMNkjaa4lKYeXe7jh5oJnfeahUOG5uUCGn21QO7hJR"
    "5ZaaXqhxFztyBW6JgHqxhzeNlvI3NSv5m+JCLvAiLTPJ05IQLB1ysBR2Cj4VTUOWdfVqOs"
    "582w566KdsGGwSpBtLbKz27DMR8tofxfVuxOVGOCGO1HQih1tlzCCL7a7ogZ5X7e4OFP/A"
    "3I5if/I05G1sY+lSm/qiHwS/gugHIZpEhNfWAudNe7VO7uhKSEw1tsS2hjTH95YlewL3cH"
    "2IcQya14LqH/guQfWPylpvUv0Tfol815KiSNJCCuaT99LNWXzgy1OoarcbNSpyp9qRJEoX"
    "V71gVxDUMgCnRA5I8jnYNqOY0BjJVf7wuGS9qLTOkvEKJWF21skUMYbXDivx8KrTKlMiyr"
    "Qw7QxQG39legRRC2OmRBxYtOEYMEW7FbsuldqFIhFQL+zQU1wn4CxkffKMmEqpD8fNPnaT"
    "HNU904+3ya4jU0PT/OPMBBxUAjINcC1SieL4tJY+pNGGI5B6DLQc0HJjJ2iAljtFrTeh5Y"
    "K/JWzaeDy04NnJEtVuqlnX20G1TTUP4Do42F0TzxON6otYV+ef5sQgCTWzarVNQpVIQtjT"
    "+k2xW+aalOn+I7I3T1T82dBbuRIXGt1aVuOqBM+l5zyA5CldkdPBv92J1xcb/gvqBipY4c"
    "0W38jHSfQTnRRC0Sm2dKn/vExE9OSCpY4RP67nDfRvtT7N45I4otx+UuLXJOemdb6NF40C"
    "/+ZU/RvkukRyQ9mtiIJhyO5tnwgvjqApZV7m5ZSzfi6aBHwvquO9F6Xh3pXYa06uqWZODG"
    "Z1g1n9BW3mxLLCHZ1kwC4IQkSgkVkPTFQ1+uPkJJowUUOpuj8RU2kvd21nt5p7Gz9R/kdD"
    "96t1r5qhul/7dKrZK/gjnCGH3/TjxjYmFc5Scn66y2Fygt1s+dCGaeRPS6z5jkWRGWd1B1"
    "fB/L8CA41RLckE/81/c2Ge/+ZfmrN3v/mvF5j/++3Z28Vv/rs54v9+9/rsrfZqzS+y0fj8"
    "2XjawqX/i23NtxmxSnLMD/3j4AkOeHmbQqQL7AuIdCmt9SaRrhG0QziYs9Z9qi4kx/XdDx"
    "jSdwOL4dTTd2H3y5Y18BbiKjD1wGyXtvbywpCpPWRdCz+1lX2XEQQdD1nH/LFsDwWpE/K1"
    "bjlJ5aJM3Yc+QjqlCHN1bs1WYhhpNeJnR51Wk+touCDuWnfxWuDQisEovwSsekNe9TzMmN"
    "Xu05aRBC0PWcsQAIMA2LiUNcwAGHUe+arH7zucBYUAWOr8tD4ARh3dSw8dTNbgqQSK9qR9"
    "du2zIL55YpthD/OfN2VItkr5wzFu55dnYyHdgs9ebHmaaCNFZ5bJHg7ldyOB2OK2hseosd"
    "LZktskS2rJLBsV0geczGOZygtRBr1k+sIqM8YrAc6LHQ7Z8awSHCOsJ1knbaZxzRUOB/j7"
    "96NB3PPn4j7m3DDBa0eUhEjVUVWIA/HTOfETmhv4q0PcMHmbEQO3NltqrnO41+RiNG9Jap"
    "tJWdulKAmWS2HbG8x81xZECX8BpNafouReS894qK1e1hjIj6qe8mrlRx2uUreeqVn5kzKC"
    "hh+e1vIyK79hOvK9jblBsBGC2gtyCbLZ3zTkGkvygk2NT8ClSAteIlsLKSlzqnnENnCYMO"
    "xpyDY1A7nM0xzK54KGmEZYMfG4v5+BFOMBE8jTGn4JUoxVW0whxfgUtd4oxdjBhpzfHAuA"
    "p9y5Feu4xCjJ967fv5SUhuagi+Su7186zZ6Ge5M09IyT8ZChXNy2VLJ5gqpNE7pPZ4tt8h"
    "Yf6JwoZNIM54NctMNgJ+sBpNMU1FHUhXRT4V+2VxqXHppmymRnYCZX5oG/Fg+3N0/Haiv8"
    "GEd7PmLPQ8G8KnI3+THTWiIniR+tw+EStE4kGxzTInGNfsGmtqBuUPyNX7DN4krwsAL8lR"
    "cc4lNsqpGF4FmQVVZJ3scPAJUz4MVrClTOCTn1QOWcotabUDmis2VB3dWuVzRcua7I75sU"
    "ir+vLhR/XygUX/HHkkI2Gq9gg7pZE7d2Vu3WzopVWl6LuoGUEDg6bWmvI5VsDIw6OBL2Pp"
    "vTr/Lgp8V6Qv8EJr6Dbbn6260EEJU7ico4n1K2xjkrphzQ57PLJh1sZpfVLWzEuSzWzy6y"
    "5anCtBSs4W2XEeF0y0RO4/EQOO0+cBrRdU3Xmni8cotML32coA0ZtCGDNmQQ5B95GzKISE"
    "+hDxnoele3FrvNO50SA/0OTb9DKZlIBaV/FB7opDoInxo0bRCFD4brgVsrEYanNv6LmJEa"
    "MgzsBNkbIiKOsuHzmJf4q0aCiDj94gVB8yisXh6A7+7Su0Pvv6bp8ByLElriv0N0fpDR+a"
    "HGPk6AvBkbSXk4B7cPmnJ4DEIJQ4NeEAmvcBigO2cSPOq7ZfUDNTAnEgrO5CbzuHoWF+Zw"
    "1MYHly3XlFoY2VUp7im5HMxzLtgXzsmRw1rE1/f3dxlj+Po2txh/+vzx+gOf2gH0fBBhFW"
    "s0JK9Vz/RxpjE1Sl7z2mWueVDfcGz1Dt0D/ewFDlTB6QyOT+v8TGF0D6yNIrhph3LT4Dt0"
    "kt8hSKJWTOtNkqiPnxs2oFTqHvZksPkNyeGbEukp4K0SwDYxVsG/JRBOyyiXEdNDIfYLNx"
    "Rc3XdLYqHVIGellIP5zfmsAc58VCXQwblcWhfHSC6vKxZQbqW4aALvRTW6FwVw58i2pcms"
    "rRAwWRJMVgibzs0mj9+exIQuCCq3cPSS8mUhj+kWfSZ2C/O9IAx80nAMdmk+KfXdDlutlr"
    "WJvo5Ef/j5AVsoQLOo94gsutp2bB2Z21bVx+Fb35zbDfWd4FZLmbfo7HQX/8ZvXAwEGu5E"
    "abihZkuoqokhh++PZ4h3HFWGItzjTesXZBFuLbh0LWsiZiUVZHjHbiAW1dwqeT0nCooetK"
    "LjUoMWcbqMpIJqHmnEBvJF4K2uzdStM5Lqc3UhWbreUCpQLEWNFNUh3RMz9P2fUhccmUKq"
    "OJVprjdmbjIOqjnmFXaJsZyU0DPRmWkdNYO2YwZDypwKI9PbFrMv2PWIXKgiJaJgMnk/le"
    "n8pZJAOBquILrnZ2dNiiHOzqqrIcS5QsI+w3aJYVjdoiUlcvguLcexBzvrx3LUHN9v/w/N"
    "Iyek"
)
