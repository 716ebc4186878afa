-- Issuing coupons in the database (migration 0008). Every issue, from the API, campaigns or
-- exchanges, is one call of coupon_claim(); templates spread their stock and budget over a few
-- coupon_stock_shard rows so that concurrent claims lock different rows.

-- Spread what is left over the template's shards (the caller holds all of their locks). Budget
-- is handed out in whole coupons where it can be, so a shard's slice is not wasted on change.
CREATE OR REPLACE FUNCTION coupon_stock_spread(p_template text, p_face bigint, p_stock bigint, p_budget bigint)
RETURNS void LANGUAGE sql AS $$
    WITH ranked AS (
        SELECT shard, row_number() OVER (ORDER BY shard) - 1 AS r, count(*) OVER () AS k
        FROM coupon_stock_shard WHERE template_id = p_template)
    UPDATE coupon_stock_shard s SET
        stock_left = CASE WHEN p_stock IS NULL THEN NULL
                          ELSE p_stock / ranked.k + CASE WHEN ranked.r < p_stock % ranked.k THEN 1 ELSE 0 END END,
        budget_left_fen = CASE
            WHEN p_budget IS NULL THEN NULL
            WHEN p_face <= 0 THEN CASE WHEN ranked.r = 0 THEN p_budget ELSE 0 END
            ELSE (p_budget / p_face / ranked.k + CASE WHEN ranked.r < (p_budget / p_face) % ranked.k THEN 1 ELSE 0 END)
                 * p_face + CASE WHEN ranked.r = 0 THEN p_budget % p_face ELSE 0 END END
    FROM ranked WHERE s.template_id = p_template AND s.shard = ranked.shard
$$;

-- After a template is created or changed: make sure it has p_shards shards, then recompute what is
-- left from its stock and budget minus what its shards have issued (all shards locked, in order).
CREATE OR REPLACE FUNCTION coupon_stock_rebalance(p_template text, p_shards integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t coupon_template%ROWTYPE;
    v_issued bigint;
    v_used bigint;
BEGIN
    SELECT * INTO STRICT t FROM coupon_template WHERE id = p_template;
    INSERT INTO coupon_stock_shard (template_id, shard, issued, used_fen)
        SELECT p_template, g, 0, 0 FROM generate_series(0, greatest(p_shards, 1) - 1) g
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM coupon_stock_shard WHERE template_id = p_template ORDER BY shard FOR UPDATE;
    SELECT sum(issued), sum(used_fen) INTO v_issued, v_used FROM coupon_stock_shard WHERE template_id = p_template;
    PERFORM coupon_stock_spread(p_template,
        CASE WHEN t.kind = 'percent_off' THEN t.max_discount_fen ELSE t.amount_off_fen END,
        CASE WHEN t.stock_total IS NULL THEN NULL ELSE greatest(t.stock_total - v_issued, 0) END,
        CASE WHEN t.budget_fen IS NULL THEN NULL ELSE greatest(t.budget_fen - v_used, 0) END);
END $$;

-- What is left of a template in one snapshot: the refusal it already earns (out_of_stock before
-- budget_exhausted, NULL while something is left), the stock and budget left (NULL: unlimited),
-- whether one shard alone has enough for a coupon of p_face, and whether the template has shards.
CREATE OR REPLACE FUNCTION coupon_stock_state(p_template text, p_face bigint)
RETURNS TABLE (refusal text, stock bigint, budget bigint, usable boolean, sharded boolean)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN count(s.stock_left) > 0 AND coalesce(sum(s.stock_left), 0) < 1 THEN 'out_of_stock'
                WHEN count(s.budget_left_fen) > 0 AND coalesce(sum(s.budget_left_fen), 0) < p_face
                     THEN 'budget_exhausted' END,
           CASE WHEN count(s.stock_left) > 0 THEN coalesce(sum(s.stock_left), 0) END,
           CASE WHEN count(s.budget_left_fen) > 0 THEN coalesce(sum(s.budget_left_fen), 0) END,
           coalesce(bool_or((s.stock_left IS NULL OR s.stock_left > 0)
                            AND (s.budget_left_fen IS NULL OR s.budget_left_fen >= p_face)), false),
           count(*) > 0
      FROM coupon_stock_shard s WHERE s.template_id = p_template
$$;

-- Issue one coupon, atomically and idempotently, in the caller's transaction. Outcomes: issued,
-- already (this key's first coupon), out_of_stock, budget_exhausted, member_limit,
-- template_inactive, unknown_template. Order of work: cheap reads first (a replayed key, the
-- template, the committed totals: a sold-out template is refused here, with no lock and no write),
-- then the member's allowance, then the coupon row (its idempotency key is UNIQUE), and the
-- stock last, so a shard lock is held only from the stock step to the commit. A refusal after a
-- step gives that step back in the same transaction, so nothing committed ever shows it.
CREATE OR REPLACE FUNCTION coupon_claim(p_template text, p_member text, p_key text, p_source text, p_room text,
                                        p_now timestamptz, p_session_ends timestamptz, p_code text)
RETURNS TABLE (outcome text, coupon_code text, face_fen bigint) LANGUAGE plpgsql AS $$
DECLARE
    t coupon_template%ROWTYPE;
    v_face bigint;
    v_limit integer;
    v_from timestamptz;
    v_until timestamptz;
    v_shard integer;
    v_stock bigint;
    v_budget bigint;
    v_refusal text;
    v_started timestamptz := clock_timestamp();
    v_usable boolean;
    v_sharded boolean;
BEGIN
    SELECT c.code, c.face_value_fen INTO coupon_code, face_fen FROM coupon c WHERE c.idempotency_key = p_key;
    IF FOUND THEN
        outcome := 'already'; RETURN NEXT; RETURN;
    END IF;
    face_fen := 0;  -- refusals carry no face value
    SELECT * INTO t FROM coupon_template WHERE id = p_template;
    IF NOT FOUND THEN
        outcome := 'unknown_template'; RETURN NEXT; RETURN;
    END IF;
    IF NOT t.active THEN
        outcome := 'template_inactive'; RETURN NEXT; RETURN;
    END IF;
    v_face := CASE WHEN t.kind = 'percent_off' THEN t.max_discount_fen ELSE t.amount_off_fen END;
    v_limit := t.per_member_limit;

    -- Plainly gone in the committed totals: issuing only uses stock and budget up, and a claim that
    -- gives back does so before it commits, so what is exhausted now stays exhausted.
    SELECT st.refusal INTO v_refusal FROM coupon_stock_state(p_template, v_face) AS st;
    IF v_refusal IS NOT NULL THEN
        outcome := v_refusal; RETURN NEXT; RETURN;
    END IF;

    -- The validity window (domain.coupons.validity.validity_window says the same; a test holds them together).
    IF t.validity_kind = 'absolute' THEN
        v_from := t.valid_from; v_until := t.valid_until;
    ELSIF t.validity_kind = 'relative' THEN
        v_from := p_now; v_until := p_now + make_interval(hours => t.valid_hours);
    ELSE
        v_from := p_now;
        v_until := coalesce(p_session_ends, p_now + interval '4 hours') + make_interval(mins => t.grace_minutes);
    END IF;

    -- The member's allowance: a conditional upsert (waits for a concurrent claim of the same member).
    INSERT INTO coupon_member_count AS m (template_id, member_id, issued) VALUES (p_template, p_member, 1)
    ON CONFLICT (template_id, member_id) DO UPDATE SET issued = m.issued + 1
        WHERE v_limit IS NULL OR m.issued < v_limit;
    IF NOT FOUND THEN
        -- The same key may have won a race meanwhile (and used the last allowance): its coupon is the answer.
        SELECT c.code, c.face_value_fen INTO coupon_code, face_fen FROM coupon c WHERE c.idempotency_key = p_key;
        outcome := CASE WHEN FOUND THEN 'already' ELSE 'member_limit' END;
        face_fen := coalesce(face_fen, 0);
        RETURN NEXT; RETURN;
    END IF;

    INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, face_value_fen,
                        issued_at, valid_from, valid_until)
    VALUES (p_code, p_template, p_member, p_key, p_source, coalesce(p_room, ''), 'available', v_face,
            p_now, v_from, v_until)
    ON CONFLICT (idempotency_key) DO NOTHING;
    IF NOT FOUND THEN  -- a concurrent claim with this key committed first
        UPDATE coupon_member_count m SET issued = m.issued - 1
         WHERE m.template_id = p_template AND m.member_id = p_member;
        SELECT c.code, c.face_value_fen INTO coupon_code, face_fen FROM coupon c WHERE c.idempotency_key = p_key;
        outcome := 'already'; RETURN NEXT; RETURN;
    END IF;

    -- The stock, last. Prefer a shard this transaction already holds, else any free one with enough
    -- left (SKIP LOCKED: claims spread over the shards instead of queueing on one row). A claim never
    -- blocks on a shard another claim holds: when every shard with enough left is busy it sleeps a
    -- moment and looks again. Blocking there could deadlock, because FOR UPDATE keeps its lock on a
    -- row whose re-check failed (a shard emptied meanwhile), so a claim may hold a shard it did not use.
    LOOP
        UPDATE coupon_stock_shard s
           SET stock_left = s.stock_left - 1, budget_left_fen = s.budget_left_fen - v_face,
               issued = s.issued + 1, used_fen = s.used_fen + v_face
         WHERE s.template_id = p_template
           AND (s.stock_left IS NULL OR s.stock_left > 0) AND (s.budget_left_fen IS NULL OR s.budget_left_fen >= v_face)
           AND s.shard = (SELECT f.shard FROM coupon_stock_shard f
                           WHERE f.template_id = p_template
                             AND (f.stock_left IS NULL OR f.stock_left > 0)
                             AND (f.budget_left_fen IS NULL OR f.budget_left_fen >= v_face)
                           ORDER BY (f.xmax = pg_current_xact_id()::xid) DESC, f.shard
                           LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING s.shard INTO v_shard;
        EXIT WHEN FOUND;

        -- Every shard with enough left is busy, or none has: look at the committed totals again,
        -- and whether any shard alone has enough, in one snapshot (two statements could see a unit
        -- taken in between and mistake a sell-out for scattered pieces). The totals count the units
        -- that busy claims are taking, so "nothing left" here is final.
        SELECT st.refusal, st.usable, st.sharded INTO v_refusal, v_usable, v_sharded
          FROM coupon_stock_state(p_template, v_face) AS st;
        EXIT WHEN v_refusal IS NOT NULL;
        IF NOT v_sharded THEN
            PERFORM coupon_stock_rebalance(p_template, 1);  -- a template written without its shards
            CONTINUE;
        END IF;
        IF v_usable THEN
            -- Busy shards with enough left: their holders have taken their units and are committing.
            IF clock_timestamp() - v_started > interval '5 seconds' THEN
                RAISE EXCEPTION 'coupon_claim: the stock shards of template % stayed busy for 5 s; retry', p_template
                    USING ERRCODE = 'lock_not_available';
            END IF;
            PERFORM pg_sleep(0.0005 + random() * 0.002);
            CONTINUE;
        END IF;
        -- Enough in total but in pieces no claim can use (the face value changed meanwhile): gather
        -- every shard (in order, the one place a claim waits for shards) and spread the exact totals.
        PERFORM 1 FROM coupon_stock_shard f WHERE f.template_id = p_template ORDER BY f.shard FOR UPDATE;
        SELECT st.stock, st.budget INTO v_stock, v_budget FROM coupon_stock_state(p_template, v_face) AS st;
        PERFORM coupon_stock_spread(p_template, v_face, v_stock, v_budget);
    END LOOP;

    IF v_refusal IS NOT NULL THEN  -- give back the coupon row and the allowance: nothing was issued
        DELETE FROM coupon c WHERE c.code = p_code;
        UPDATE coupon_member_count m SET issued = m.issued - 1
         WHERE m.template_id = p_template AND m.member_id = p_member;
        outcome := v_refusal; RETURN NEXT; RETURN;
    END IF;
    outcome := 'issued'; coupon_code := p_code; face_fen := v_face;
    RETURN NEXT;
END $$;
