from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Two helpers of the order statement (mall/orders/placing.py).
    # mall_refuse ends a statement in an error that names why, so everything the
    # statement wrote so far is rolled back.
    # mall_take_stock locks the SKU rows in primary-key order in a statement of its own
    # and then decrements them: the decrement starts with the lock held, so it sees the
    # latest stock and never re-checks a concurrent update inside the large statement
    # (PostgreSQL's EvalPlanQual, costly in a statement of many parts). Short stock, or a
    # SKU archived meanwhile, raises insufficient_stock with the lines it could not cover.
    # mall_give_stock puts stock back the same way (a cancelled order).
    return """
        CREATE OR REPLACE FUNCTION mall_refuse(code text, detail jsonb DEFAULT NULL)
        RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = code,
                DETAIL = coalesce(detail::text, '');
        END
        $$;
        CREATE OR REPLACE FUNCTION mall_take_stock(
            p_sku_ids bigint[], p_quantities int[], p_ready boolean
        )
        RETURNS TABLE (sku_id bigint, product_id bigint, stock int)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_taken int;
            v_short jsonb;
        BEGIN
            IF NOT p_ready THEN
                RETURN;
            END IF;
            PERFORM 1 FROM skus s WHERE s.id = ANY(p_sku_ids) ORDER BY s.id FOR UPDATE;
            RETURN QUERY
            UPDATE skus s SET stock = s.stock - w.quantity, updated_at = now()
            FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
            WHERE s.id = w.sku_id AND s.stock >= w.quantity AND s.archived_at IS NULL
            RETURNING s.id, s.product_id, s.stock;
            GET DIAGNOSTICS v_taken = ROW_COUNT;
            IF v_taken < cardinality(p_sku_ids) THEN
                SELECT jsonb_agg(jsonb_build_object(
                    'sku_id', w.sku_id,
                    'quantity', w.quantity,
                    'available', CASE WHEN s.archived_at IS NULL
                                 THEN coalesce(s.stock, 0) ELSE 0 END
                ) ORDER BY w.sku_id)
                INTO v_short
                FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
                LEFT JOIN skus s ON s.id = w.sku_id
                WHERE s.id IS NULL OR s.archived_at IS NOT NULL OR s.stock < w.quantity;
                RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'insufficient_stock',
                    DETAIL = coalesce(v_short::text, '');
            END IF;
        END
        $$;
        CREATE OR REPLACE FUNCTION mall_give_stock(
            p_sku_ids bigint[], p_quantities int[], p_ready boolean
        )
        RETURNS TABLE (sku_id bigint, product_id bigint, stock int)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            IF NOT p_ready OR cardinality(p_sku_ids) = 0 THEN
                RETURN;
            END IF;
            PERFORM 1 FROM skus s WHERE s.id = ANY(p_sku_ids) ORDER BY s.id FOR UPDATE;
            RETURN QUERY
            UPDATE skus s SET stock = s.stock + w.quantity, updated_at = now()
            FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
            WHERE s.id = w.sku_id
            RETURNING s.id, s.product_id, s.stock;
        END
        $$;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP FUNCTION IF EXISTS mall_give_stock(bigint[], int[], boolean);
        DROP FUNCTION IF EXISTS mall_take_stock(bigint[], int[], boolean);
        DROP FUNCTION IF EXISTS mall_refuse(text, jsonb);"""


MODELS_STATE = (
    "eJztXWtzo0YW/SsqfdlslTZly49xNltb5XGcjXc89pSt2U0llaIwtKSOgSbQeEaV9X/fbl"
    "7i0SAaCwla98s8oA+Cc5vmvvreP8c2MZHlf3tpmh7y/fHfR3+OHd1G7B/FU5PRWHfd9Ql+"
    "gOpPVjhWjwahaNiTTz3doOzEXLd8xA6ZyDc87FJMHHbUCSyLHyQGG4idxfpQ4OA/AqRRsk"
    "B0iTx24tff2GHsmOgr8pP/us/aHCPLzN0uNvlvh8c1unLDY+/x4sahP4Zj+Q8+aQaxAttZ"
    "j3dXdEmcFIAdyo8ukIM8nSL+C9QL+BPwG4yfNnmo6GbXQ6K7zGBMNNcDi2ae+ElbHxtr2t"
    "39THu8nmnaWIIjgzicX3arkbwW/Bb+9t10enLybnp0cn5xdvru3dnF0QUbG95v+dS71+hm"
    "1mxFlwo5u/nXzd2M3xBhQozEyw+8hhid6hEqFMaafcNDnC9Np2Up/MDOUGwjsRzyyII8zB"
    "j6bfKPonQSWdSJJzmwls96Wu5CQOwBzXvHWsUTo4b72c3H68fZ5cdP/Ods3//DCvm7nF3z"
    "M9Pw6Kpw9Jvzv+aFlV5k9N+b2U8j/t/RL/d31yG9xKcLL/zF9bjZL2N+T3pAieaQLxp7md"
    "dzODmasMZGrqUeuGZLqeeRIPW+SD3hKCP2+O7XUg//Lsn7aql7Ylkn4wtSZmwNUa62/lWz"
    "kLOgS/bf89Mauf7n8uHqp8uHb85PC7K6i89Mw1OvOXJdRpEUuylAQXpPpg3oPZlW0stPFe"
    "j1yAt2DDmGMxgFSd7+HDYwXckQnIwHchuQa2J+A4bgi1tNcBYDJDchGVEdW1IUpwgFCZ6e"
    "nTVgmI2qpDg8l+cY++ltl3h+T4iFdKfCcssBC3Q/MWRXfKdHOiC8ziK7v7/NqYbvbwr22d"
    "3nj++vH745DulngzDNmW0Zhd1HniZrKWdAm83lIcztnVnM3FkxfxYazJzUshh+JB7CC+cD"
    "WoWiuGH3rYs1j9g78zm+zMBE8JrMseToODU4Pf1L6t3JTj327OyJUTSzry4fry5/uB6HDD"
    "/pxvMX3TO1HNX8DJmSwpF0bPmUPbWLR3RHX4Tk8Kfg95z6xGzsjIXOMn5iUu8qY0PATwZ+"
    "spIUwE82RI8J+MkOUepN/GT84yXrK8titmNI7HfR7dpbpvv+F8I+50vdX0r5dIpABa224+"
    "lFA77ZqErCw3Ml94Nr6StNdmIXcbvjezwe6ORmdi7TDvGLgOdN9vEat0PzOFlYBmsdM+L8"
    "wEWe2DbbxHkOCl4JCd4t3aeaRRbYaaEhlcBbUJLimdyXZX24OlGkCpfcINVWe2ZSkIUveA"
    "lj1I8fHpClh0SWRZ41xm/JYrACL7lHXt/o1Fiz67G1TEDvR91ZzQj/s6H/6YFdZ3BaaY33"
    "KXwsreDVSR7S41OOGWPJ6bUrZ068UADPaJWwG7utUtnEpyJMfJIuPRIslulxLRWL0NvFjm"
    "slol83e6r4O1DlrIrfjw3+Ki15G8FndXg+q2gGtLFmy0gFzaztK/5ce48+bI2JNio+hVsj"
    "WCWvAdU9tgZFHEmQXIApZ8FuP9smZky0fG+kWbiGD5/k3eUq/Pvx/k4yV8HEBh39b2Rhv7"
    "O47vgf88AJV6vRU4AtypShb/nP/rMr+mvo5gzl7KaE5m8+Xv5clMDV7f37okHEL/C+6ERw"
    "ZSZ7NBpm+cZZPqzA2U6/lsOMoDSJm0X6o6z2n0W1SljpmTegF/kqepLZ8MaElTRDYlgyaJ"
    "qwkp17ORue3cDo7vPt7b5SVt7rjhMa3SU3QHxmUucEeArHgAfgQD0Aw/r4Qv7Cdr6+kLWi"
    "mtSbZK1QTC05t0gCACtmc0jfZl9nKfswASjoOD07buJwYqMqCQ7PFWLJ2HmW9uzlQDucxk"
    "68dW8HuUDnTVKBistOJhPoXES0LMdKrhKdTGO2qGPZIEAWs0OWl8Te0STevoPaJx7ViGeK"
    "8n0qbYs8aHdbYo66tTGmx6fvTi9Ozk9T0yI9UmdRlNN5kMOfUmSw1WVQZVCQs9Y8d8qnuk"
    "f9Fjp6Dgg5U/3RyMuGGHLMNhLOwEC+fZOvRE5cl27BK7YI3FBkjwWOwfTcpM41aLBRGlue"
    "7A68g79mNwD6zwH/12/gMgSXITiPwGUIUt/TB0y40Q2qCuxw2c2o/9FHUYr5NQaIb038H4"
    "HuUGGdo0resxCVmN+a48BHFjKotOcgCwPXQb3roDdmB0UL4q3GQrMjPjepNzvCURhKzoKF"
    "ARaGGromWBiHKPUmFgaUnO0wCIYNuThjMh4iuU0iuRBi7MBSeME+fhKlKdUaChkU2AnNQ4"
    "yu7iFHvIurTtvNwTrKw1dT661Jw49ILQtCOg8/a2UNSgxNM/Fz0y+Xiv/AtJGHm6tZXSp+"
    "xsxYYstklxJMfolaFFuluxc7H/JLhEfMwKBvLNjxKbqKQhx16kMhgUucGbJdXpViLPKk5E"
    "dMav0p4ViNxoPBq6Lw92UCXpUDsq/Bq3KIUgevyp63ejyz55IhNxmvILlNypBWFyEtlSDV"
    "bRIwzZ7M53KKQh6njFNlx4FvF3kGqqK/2hmQRylD/tY8WvyFMbFv8CkqN62LSCh50HZq0y"
    "X7ti6JJWmA5GDKzOwdc/+iW9jU5h6xZTXQPBIy3fujcJbtjEhWbKESFaxqIuYUCnLuv5xN"
    "fSXwCFauo3mQQp+xrSkJlFDd0ixsY4GOUP19yqOAWKFSG5Yplea2DNydAnA8EHKx7wfI1C"
    "pU22q/bgGmjGa1vXxZg8jVOUgBO0zd0C1r3BWfHZc4COnSsCn4iFUX18yB+lFfk/+eMvU1"
    "W7VEgX4oHSSIF1f4twV/eSfLKGA5QH/nXgLANyayXUKRY6w+IGEqfWHEpC4AjNdjea+Crn"
    "fz8nYIsJW3R66Y6pAwbO/bm1fsGQk2mNXEkJBoc5kKIaROetmFCbbSMzuLUsiW3vHMHlae"
    "CdTzbp1m0pMdh/dhMr1AR7pPsuyrVaPwjYeMuANVf4a1UkFuVPulCjLiVJZ6k4y4SLdziI"
    "zSncUo17J7+7sN+2pNqvphy5WKpIHAl10TL0gR6rWVmzbJ+JxWZ3xOSxmfC0J4wUVbPoWr"
    "iASPSetJPuf74Ja0lRjKWBBEa0EkKYmtJCEAgyjap+zqq1ZSyONAAK0FwBRQpqNKhZEzkN"
    "0HkfeT5dZJuNhDtu5JNSpYI5QrcDE9O2ui9JydVWs9/JxAoY+3j7bS63NY8Ki3XuU9xBds"
    "uWa7OVCr+d437jve1oW+upgtN23KseeQ6sUthusGKnv/XB23cf1lYJCf3mf5+kvsuq28u3"
    "kkSLnPUjaI7fKiL61iNwUsSLrXkubFjiyrnaQLWJB0/yWteUj35aoWloDqabvbz4D30Dxg"
    "T9bmtSpA4a3q81sVCSvcRKvJh4nEaPXer+2HjHxKjGe2JrG/Pfm69yXwDjc3pEfU392wxJ"
    "xhQSKuzPaGMM3sp/WVhum2ra8CmHYBeyNNSdMxFTmK1so3svQQXuQBsccechDgjdtl8ua8"
    "LayLmrB676AZYX9s5vYxc61hfaxqWZVNlU2WqqqM2cxStiFxVsusn5A/q2qaUXX+bEulEr"
    "RJaW2SKfjyPOdACu4c2j7NbP0igmL+1RSnAAXp3X6EzSFUriplPB6i9U2i9bCboZr9Yea1"
    "N9nNsKedjr2TcB9aOFT0gpHu4JBuXBuYEKrMlEmhgUN29uX6N1xdPl5d/nBd176h852EVT"
    "3Tc/6LTYZRR13TwSzqyyowqTGL+tm5V1U5lFqVyLczyuGA/7b8U0wtKf0+BShoPU2Pjpqo"
    "+EdH1So+P1cIKrnIkCtZlgD6Ua6M/6wy5coM8sJLRHqCerc1uQpZkHJ2bSdtFl0PG6KqcL"
    "UrOhbq12DbNF/Nsz3t88xX0p6FqMT81sp6eugFoy/S6QBZGCQCSPS3BOcIOEf6IoTBO0cC"
    "+kS+Xr+g8M7L7pHM6UmtgyQcqCE+ElwkSpuGNZWXlrrjIDnNeQ1R0FzsINgGLeC6I5dPbB"
    "k7PBkPG77fYnBDgPMAA5xu8MTej2UruRexsFWhz1sV2HMh3Zbc5p4DqZdKtv0qbYals5ne"
    "slVXCQxvVN/eKImNEF2ai5/0lV1hKianJnVmohsNAgvxQC3E/rruVJVFhvuAauwmTCRbL7"
    "WAU6+05PY/x+ynHF8P46SSmk8ZqVyN2u0b7m2K5UGhvO1UKmQrM3GRI1nGqoBTLma+/Tne"
    "ixJHfZv1Q1frc3X5HPTVRQaVDiTngRBKlgglO4TiOTbSLaZNPb9FHCRigV8Y/MLD7jj0KU"
    "oYHot8G/GpSa1vIxoEvg2l7WnoOwQLFvQdUlnqAmW9VBUGNkXken022RTBRtX0+ixvigie"
    "pEnOYpTzKHSyuzx7ZyWiZ+hrVbuPPEwBruvWpuufZ/XWTbo03d7f/SsZXjR58sRjmymhUp"
    "t+1oh+GJv895QxNvmOKo3/R3of1hoFYtm+D4Dvq5L5AqQABZakHWzCYgz5uugbW+tvzKDA"
    "2SjhbOSkiQoJ1m0gTyC7i1EddTWd9xKgsrGjtdhqmIMB9y25Z+tXG+6zMOC+ZQczz1jil1"
    "Z+iQIUcgH744cou58MxvqCeOI2UnVvWQHYURsvNb3ANfshE1rLwpDeEnmVudSgBNF0T2Rh"
    "Cua2RbJ7GN19vr2t2xeZq83zxgrNj8/BAP1wVUzL1WWWjJM9oDlbwJYz8oycsSBYljs/qY"
    "uYedFIjfKhzeJm43sHjbDvB8gcxfBRCP9+pDOIja0VOz0ibJRFFtj5iz8yloyZEZmPPELD"
    "WeB/Oy6wu72rviF69zvFMqZuPByyAwtmbpI5VVPgOBSoDNdrhHrJrx1kYwYmRo5I7a8puZ"
    "vBqBgi2XqnHz94+h0ZkjmvGRDk0bc1raLvRAvDKgeEeG9f7KwmUX7oInsIxnTgt0vk8MFZ"
    "Mgj5euiFKfXtmuNlkSDlvkm5Jymk+T5PYts43wiq1jjmTfq8aCxklSqtXUJWKeibkFWqst"
    "SbZJXyndbxsi+/RTsHBK/gRi+VfEfqN7ai7t2L1H16KezL3pOPSr6tXPc95fa3eGzf+7rH"
    "Hom9m+Add+8zkYF5W/onqYhNHqVeBbEOil/GjMmrnHkkOEf6o2GKXGChlihXrSMHgndp87"
    "s017EVeFIB0AxEPYa7US7ZPLd1ig2BflmXvp7DQQK7RAJ7XL1PvhVXDtdRquEBaPX9rZ6n"
    "KPk1iZ7Q+GLUKMmzr40vHsLuO2NhjCY8M6kPzvAxEJQ50KDMuh1s29V4Dd3OknwwQhnC11"
    "B97gO/BfUZEOghramHfrj75Z/xw2+qxP2jrVtWJftrlEpT/2T67jwlm/+njt7Hj5e3t2U+"
    "2ZUpEgWJ6nb5pxDl9vkfHzVqMcyHVccrjspNhqHgSL8qW0Baj2IJHj2vbvlAwqctW7skqu"
    "RRY+uSuAYFWLqqajeQfgjrFKQfqiz1JumH++0tqnSyYW2dxbosFtXqLO4gLuwiz8a+z7fk"
    "y5g7BRjYPFuxeXan/WYSA0wbi2T/UXdWM8L/bBibu+QXGtxaVhOZC59LK1gA6VN6vEoK+3"
    "annq5E8Z8TLxTBM1qt+Y0dial84pMcFJ+iS48Ei2UK0dILCgOB7LhWVNBfa22axyV2q9oR"
    "pucmdbaNH48C++ZQ7Rvd87BkjdE1RMEE3u3rPvydemY3ILmnpQADqhtQDdZ6NfXDtNuaWO"
    "t9CYQfyOfkTSrtxgSyewfNCPuj6/Sxvqqob0kee5OD/HFJ3EdEeZjWFyuUmfMblErian52"
    "aG8Uy0PRKqfHp+9OL07OT9O3Pz1S99I3zfzi30C+59ZH7OdNgam5YdUV4HeXFnB8cdRxre"
    "M3sp9P8eerxBx7tmbqKxmmhdjdsfxuIBRbTNXwKTGeNWauI7Z0WTLLRgV6h5N5KFN5zvPC"
    "l1SbWyLlvJLgImx3zA5nlWAcIY17clxuLraZxjVX2B3h3303GMYhPlhN9TDtzKr4YE+yV3"
    "h5bpFOHlXtrlHF48LgzepKPwUrDhy96B7WHfr9KGmFMGITkGnfI7rUnVFkhZiTkY+ZaTYK"
    "NTp/pDvmyNA96o9cwubCSKcjTMWFprv5GXBB99hnUGdSgNNOtcUUUmwOUepNUmx4x0DpFo"
    "M9ykfgPzvofIT8Thrp3lR76EulyPcvW5uKGM8Sxlk6XpleYFuzwwym8UqFruPxyiWSddDE"
    "AhqotVmoe/5BLuthsJ2yBxHUkjjKspAurPFpfaVhyaFpcDQ/A3Ph0Qf2WjzcXM32VVzjsx"
    "86IEr+mvD4pM5hw/eI9yxmCp4Q8ITs/ZM7UJsYPCGHKPUmnhDiIkeuCuUaARuONpov7CmJ"
    "JL8ZSEcVKFUi2MHGs/SGuQwGTPDNJvgLUxQ8LfAsGZLzKOVoPjueNuCZjaokOjxX8IQyjq"
    "RmcgpQbqU4aULvSTW7JyVyn3THQSK7oq5I7RoEFWolKtRGtGnyvT1KQOUWjk722lq6T7Ww"
    "JXYL9b0EBk9pfxT2yE6TSP/J7r812c/6ompT72Pojx8e+GZT8b72dF9qeJkBmm1VHrzXrn"
    "1uVyRww1sVet7is5NN/jd243wguOEO1A3X1+Keqkoi37ZJSg9PAeo1bbpooK1cVOoqF0VN"
    "ZU+bJHumj+xnWr/oFmbagkdsWRUxj1TQwzt0BbEs5sChWOCwaSLnFAqC7rWgDUtnQmgVp8"
    "shFRTzQCM2jeJ0frsgnQ+ZUPsWb6O3miLb5QWgpJWkAhBSY7eVDJUQWxaHdDZUZPvPMhcc"
    "mECaZkUVJmOv0qIukYeN5VjgnonPTOpcM/p6TG+cMofikemsnsQL8nzJoqAZiIJFsbppFc"
    "leKgmG4+EKsnvctLlEXW+JUtWxqg4e1duaqjt47GBj0370wQGWVBV8zF7/D48cZcI="
)
