-- coupon_claim() in two parts (migration 0028), so a batch can take its stock once per template:
-- coupon_claim_row() does the claim's first steps for one coupon, coupon_stock_take() the last step
-- for any number of coupons of one template. coupon_claim() is the two in a row, as before.
-- Why: a batch of claims of one template, one coupon_claim() each, updated the same shard row once a
-- coupon in one transaction, and every update walks the row's versions the transaction left before
-- it (none can be pruned while it runs): 10,000 coupons took 2.3 s, four times 5,000's.

-- The claim's steps up to its stock (0008's coupon_claim): a replayed key returns its first coupon, a
-- sold-out template is refused from the committed totals, then the member's allowance and the coupon
-- row. Outcome 'pending' when both were written: the caller takes the unit of stock (coupon_stock_take)
-- or gives the row and the allowance back (coupon_claim_undo) before its transaction ends.
CREATE OR REPLACE FUNCTION coupon_claim_row(p_template text, p_member text, p_key text, p_source text, p_room text,
                                            p_now timestamptz, p_session_ends timestamptz, p_code text)
RETURNS TABLE (outcome text, coupon_code text, face_fen bigint) LANGUAGE plpgsql AS $$
DECLARE
    t coupon_template%ROWTYPE;
    v_face bigint;
    v_limit integer;
    v_from timestamptz;
    v_until timestamptz;
    v_refusal text;
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
    outcome := 'pending'; coupon_code := p_code; face_fen := v_face;
    RETURN NEXT;
END $$;

-- The stock step for p_count coupons of p_face: up to p_count units taken from the template's shards,
-- each shard giving what it has (one UPDATE a shard, whatever the count). `refusal` says why fewer were
-- taken (out_of_stock before budget_exhausted).
-- One coupon (p_count 1, every claim but a batch's) prefers a shard this transaction already holds,
-- else any free one with a unit left (SKIP LOCKED: claims spread over the shards instead of queueing on
-- one row), and never blocks on a shard another claim holds: when every shard with a unit left is busy
-- it sleeps a moment and looks again. Blocking there could deadlock, because FOR UPDATE keeps its lock
-- on a row whose re-check failed (a shard emptied meanwhile), so a claim may hold a shard it did not use.
-- A batch (p_count > 1) locks the shards with units left in shard order, waiting for each: it may need
-- many shards, and two batches picking free ones each held some while waiting for the other's to come
-- free, until both gave up. In one order, the later batch queues behind the earlier one's commit; as
-- single claims never wait for a shard, nothing waits in a circle.
CREATE OR REPLACE FUNCTION coupon_stock_take(p_template text, p_face bigint, p_count bigint)
RETURNS TABLE (taken bigint, refusal text) LANGUAGE plpgsql AS $$
DECLARE
    v_shard integer;
    v_stock bigint;
    v_budget bigint;
    v_units bigint;
    v_started timestamptz := clock_timestamp();
    v_usable boolean;
    v_sharded boolean;
BEGIN
    taken := 0;
    WHILE taken < p_count LOOP
        IF p_count > 1 THEN
            FOR v_shard, v_stock, v_budget IN
                SELECT f.shard, f.stock_left, f.budget_left_fen FROM coupon_stock_shard f
                 WHERE f.template_id = p_template
                   AND (f.stock_left IS NULL OR f.stock_left > 0)
                   AND (f.budget_left_fen IS NULL OR f.budget_left_fen >= p_face)
                 ORDER BY f.shard FOR UPDATE
            LOOP
                v_units := coupon_stock_units(p_count - taken, p_face, v_stock, v_budget);
                PERFORM coupon_stock_use(p_template, v_shard, p_face, v_units);
                taken := taken + v_units;
                EXIT WHEN taken >= p_count;
            END LOOP;
        ELSE
            SELECT f.shard, f.stock_left, f.budget_left_fen INTO v_shard, v_stock, v_budget
              FROM coupon_stock_shard f
             WHERE f.template_id = p_template
               AND (f.stock_left IS NULL OR f.stock_left > 0)
               AND (f.budget_left_fen IS NULL OR f.budget_left_fen >= p_face)
             ORDER BY (f.xmax = pg_current_xact_id()::xid) DESC, f.shard
             LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF FOUND THEN  -- the row is locked: what it says it has is what it has
                PERFORM coupon_stock_use(p_template, v_shard, p_face, 1);
                taken := 1;
            END IF;
        END IF;
        EXIT WHEN taken >= p_count;

        -- No shard (that this claim could lock) has a unit left: look at the committed totals again,
        -- and whether any shard alone has enough, in one snapshot (two statements could see a unit
        -- taken in between and mistake a sell-out for scattered pieces). The totals count the units
        -- that busy claims are taking, so "nothing left" here is final.
        SELECT st.refusal, st.usable, st.sharded INTO refusal, v_usable, v_sharded
          FROM coupon_stock_state(p_template, p_face) AS st;
        EXIT WHEN refusal IS NOT NULL;
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
        -- every shard (in order, the one place a single claim waits for shards) and spread the exact totals.
        PERFORM 1 FROM coupon_stock_shard f WHERE f.template_id = p_template ORDER BY f.shard FOR UPDATE;
        SELECT st.stock, st.budget INTO v_stock, v_budget FROM coupon_stock_state(p_template, p_face) AS st;
        PERFORM coupon_stock_spread(p_template, p_face, v_stock, v_budget);
    END LOOP;
    RETURN NEXT;
END $$;

-- How many of `p_want` coupons of p_face a shard with this much left gives (NULL: unlimited).
CREATE OR REPLACE FUNCTION coupon_stock_units(p_want bigint, p_face bigint, p_stock bigint, p_budget bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT least(p_want, coalesce(p_stock, p_want),
                 CASE WHEN p_budget IS NULL OR p_face <= 0 THEN p_want ELSE p_budget / p_face END)
$$;

-- Take p_units coupons of p_face from a shard the caller holds.
CREATE OR REPLACE FUNCTION coupon_stock_use(p_template text, p_shard integer, p_face bigint, p_units bigint)
RETURNS void LANGUAGE sql AS $$
    UPDATE coupon_stock_shard s
       SET stock_left = s.stock_left - p_units, budget_left_fen = s.budget_left_fen - p_units * p_face,
           issued = s.issued + p_units, used_fen = s.used_fen + p_units * p_face
     WHERE s.template_id = p_template AND s.shard = p_shard
$$;

-- Give back coupons whose stock was refused: the rows and the members' allowances (coupon_claim_row's
-- writes). Their stock was never taken.
CREATE OR REPLACE FUNCTION coupon_claim_undo(p_codes text[])
RETURNS void LANGUAGE sql AS $$
    WITH gone AS (DELETE FROM coupon WHERE code = ANY(p_codes) RETURNING template_id, member_id)
    UPDATE coupon_member_count AS m SET issued = m.issued - g.n
      FROM (SELECT template_id, member_id, count(*) AS n FROM gone GROUP BY 1, 2) AS g
     WHERE m.template_id = g.template_id AND m.member_id = g.member_id
$$;

-- Issue one coupon, atomically and idempotently, in the caller's transaction: the row, then its unit of
-- stock last, so a shard lock is held only from the stock step to the commit. Outcomes: issued, already
-- (this key's first coupon), out_of_stock, budget_exhausted, member_limit, template_inactive,
-- unknown_template. A refusal after a step gives that step back in the same transaction, so nothing
-- committed ever shows it.
CREATE OR REPLACE FUNCTION coupon_claim(p_template text, p_member text, p_key text, p_source text, p_room text,
                                        p_now timestamptz, p_session_ends timestamptz, p_code text)
RETURNS TABLE (outcome text, coupon_code text, face_fen bigint) LANGUAGE plpgsql AS $$
DECLARE
    v_refusal text;
BEGIN
    SELECT r.outcome, r.coupon_code, r.face_fen INTO outcome, coupon_code, face_fen
      FROM coupon_claim_row(p_template, p_member, p_key, p_source, p_room, p_now, p_session_ends, p_code) AS r;
    IF outcome = 'pending' THEN
        SELECT s.refusal INTO v_refusal FROM coupon_stock_take(p_template, face_fen, 1) AS s;
        IF v_refusal IS NULL THEN
            outcome := 'issued';
        ELSE  -- give back the coupon row and the allowance: nothing was issued
            PERFORM coupon_claim_undo(ARRAY[p_code]);
            outcome := v_refusal; coupon_code := NULL; face_fen := 0;
        END IF;
    END IF;
    RETURN NEXT;
END $$;
