//! Table definitions, written by hand so they hold only types both SQLite
//! and PostgreSQL share through diesel's MultiConnection (BigInt, Integer,
//! Text, Bool, Binary, Timestamp, Date). Keep in step with `migrations/`.

diesel::table! {
    streets (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        street_id -> Nullable<BigInt>,
        contact_person -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        unit_id -> Nullable<BigInt>,
        disabled -> Bool,
        created_at -> Timestamp,
        street_id -> Nullable<BigInt>,
        reminders_seen_at -> Nullable<Timestamp>,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    digest_days (day) {
        day -> Date,
        composed_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        day -> Date,
        channel -> Text,
        audience -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    checklist_versions (id) {
        id -> BigInt,
        reference -> Text,
        title -> Text,
        fingerprint -> Text,
        source -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        origin -> Text,
        workbook_sha256 -> Nullable<Text>,
        workbook_name -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        year -> Integer,
        deadline -> Nullable<Date>,
        closed -> Bool,
        rectify_days -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    campaign_checklists (campaign_id, unit_kind) {
        campaign_id -> BigInt,
        unit_kind -> Text,
        checklist_reference -> Text,
    }
}

diesel::table! {
    stored_files (sha256) {
        sha256 -> Text,
        size -> BigInt,
        content -> Binary,
        created_at -> Timestamp,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        unit_id -> BigInt,
        campaign_id -> BigInt,
        file_sha256 -> Text,
        file_name -> Text,
        checklist_reference -> Text,
        target_tier -> Nullable<Text>,
        filled_by -> Nullable<Text>,
        phone -> Nullable<Text>,
        filled_on -> Nullable<Text>,
        late -> Bool,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    rejected_uploads (id) {
        id -> BigInt,
        file_sha256 -> Text,
        file_name -> Text,
        problems -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    submission_inputs (submission_id, input_key) {
        submission_id -> BigInt,
        input_key -> Text,
        value -> Text,
    }
}

diesel::table! {
    submission_answers (submission_id, item_code) {
        submission_id -> BigInt,
        item_code -> Text,
        answer -> Nullable<Text>,
        remark -> Nullable<Text>,
    }
}

diesel::table! {
    reviews (id) {
        id -> BigInt,
        submission_id -> BigInt,
        kind -> Text,
        note -> Text,
        reviewer_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    review_overrides (review_id, target, code) {
        review_id -> BigInt,
        target -> Text,
        code -> Text,
        value -> Text,
        reason -> Text,
    }
}

diesel::table! {
    assessments (id) {
        id -> BigInt,
        submission_id -> BigInt,
        review_id -> Nullable<BigInt>,
        unit_id -> BigInt,
        campaign_id -> BigInt,
        year -> Integer,
        checklist_reference -> Text,
        raw -> Integer,
        applicable_max -> Integer,
        total -> Integer,
        tier_code -> Nullable<Text>,
        tier_name -> Nullable<Text>,
        grade -> Nullable<Text>,
        vetoes -> Text,
        target_tier -> Nullable<Text>,
        gaps -> Text,
        created_at -> Timestamp,
        bonus -> Integer,
        penalty -> Integer,
        provisional -> Bool,
        pending -> Text,
        is_current -> Bool,
    }
}

diesel::table! {
    assessment_items (assessment_id, item_code) {
        assessment_id -> BigInt,
        position -> Integer,
        item_code -> Text,
        category_code -> Text,
        max -> Integer,
        points -> Integer,
        applicable -> Bool,
        item_kind -> Text,
        group_code -> Nullable<Text>,
        pending -> Bool,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    assessment_categories (assessment_id, category_code) {
        assessment_id -> BigInt,
        position -> Integer,
        category_code -> Text,
        name -> Text,
        points -> Integer,
        applicable_max -> Integer,
    }
}

diesel::table! {
    plausibility_flags (id) {
        id -> BigInt,
        submission_id -> BigInt,
        input_key -> Nullable<Text>,
        message -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    samples (id) {
        id -> BigInt,
        year -> Integer,
        seed -> BigInt,
        requested_count -> Nullable<Integer>,
        requested_percent -> Nullable<Integer>,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sample_units (sample_id, unit_id) {
        sample_id -> BigInt,
        unit_id -> BigInt,
        position -> Integer,
        stratum -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        detail -> Text,
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_chain (id) {
        id -> BigInt,
        seq -> BigInt,
        hash -> Text,
        backfilled -> Bool,
    }
}

diesel::table! {
    sign_in_throttle (key) {
        key -> Text,
        failures -> Integer,
        first_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    write_serial (id) {
        id -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    /// A year's results as published: the canonical snapshot and its sha256.
    publications (id) {
        id -> BigInt,
        year -> Integer,
        published_at -> Timestamp,
        user_id -> Nullable<BigInt>,
        actor -> Text,
        sha256 -> Text,
        snapshot -> Text,
        audit_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Each unit's result as published (totals in hundredths).
    publication_units (publication_id, unit_code) {
        publication_id -> BigInt,
        unit_code -> Text,
        unit_name -> Text,
        street -> Nullable<Text>,
        kind -> Text,
        checklist -> Nullable<Text>,
        total -> Nullable<Integer>,
        standing -> Nullable<Text>,
        reviewed -> Bool,
        assessment_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// A change of a published result (发布后更正).
    publication_corrections (id) {
        id -> BigInt,
        publication_id -> BigInt,
        unit_code -> Text,
        old_total -> Nullable<Integer>,
        old_standing -> Nullable<Text>,
        new_total -> Nullable<Integer>,
        new_standing -> Nullable<Text>,
        assessment_id -> BigInt,
        user_id -> Nullable<BigInt>,
        actor -> Text,
        at -> Timestamp,
        audit_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(units -> streets (street_id));
diesel::joinable!(submissions -> units (unit_id));
diesel::joinable!(submissions -> campaigns (campaign_id));
diesel::joinable!(assessments -> units (unit_id));
diesel::joinable!(assessments -> submissions (submission_id));
diesel::joinable!(users -> units (unit_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(sample_units -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    streets,
    digest_days,
    deliveries,
    units,
    users,
    api_tokens,
    checklist_versions,
    campaigns,
    campaign_checklists,
    stored_files,
    submissions,
    rejected_uploads,
    submission_inputs,
    submission_answers,
    reviews,
    review_overrides,
    assessments,
    assessment_items,
    assessment_categories,
    plausibility_flags,
    samples,
    sample_units,
    audit_log,
    audit_chain,
    write_serial,
    sign_in_throttle,
    data_versions,
    rectifications,
    rectification_events,
    rectification_evidence,
    item_evidence,
    rectification_notices,
    publications,
    publication_units,
    publication_corrections,
    first_checks,
    review_plans,
    review_groups,
    review_group_members,
    review_assignments,
    peer_reviews,
    peer_review_items,
);

diesel::table! {
    /// 初审: a street officer's first check of an upload.
    first_checks (id) {
        id -> BigInt,
        submission_id -> BigInt,
        user_id -> Nullable<BigInt>,
        decision -> Text,
        note -> Text,
        item_notes -> Text,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    /// 数据版本: a counter per scope, bumped by every write that changes
    /// what is shown (see `queries::versions`).
    data_versions (scope) {
        scope -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    rectifications (id) {
        id -> BigInt,
        unit_id -> BigInt,
        origin_campaign_id -> BigInt,
        campaign_id -> BigInt,
        assessment_id -> BigInt,
        kind -> Text,
        finding_key -> Text,
        item_code -> Nullable<Text>,
        category_code -> Nullable<Text>,
        title -> Text,
        requirement -> Text,
        points_lost -> Integer,
        state -> Text,
        due -> Date,
        due_set_by_hand -> Bool,
        previous_id -> Nullable<BigInt>,
        closed_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        defects -> Nullable<Text>,
    }
}

diesel::table! {
    item_evidence (id) {
        id -> BigInt,
        unit_id -> BigInt,
        campaign_id -> BigInt,
        item_code -> Text,
        file_sha256 -> Text,
        file_name -> Text,
        note -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    rectification_events (id) {
        id -> BigInt,
        rectification_id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Text,
        note -> Text,
        before_total -> Nullable<Integer>,
        after_total -> Nullable<Integer>,
        before_tier -> Nullable<Text>,
        after_tier -> Nullable<Text>,
    }
}

diesel::table! {
    rectification_evidence (id) {
        id -> BigInt,
        rectification_id -> BigInt,
        event_id -> BigInt,
        file_sha256 -> Text,
        file_name -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    /// 整改通知书 as issued: the number a unit's notice of a year got.
    rectification_notices (id) {
        id -> BigInt,
        unit_id -> BigInt,
        year -> Integer,
        number -> Integer,
        issued_on -> Date,
        issued_at -> Timestamp,
        issued_by -> Nullable<BigInt>,
        issuer -> Text,
    }
}

diesel::joinable!(rectifications -> units (unit_id));
diesel::joinable!(rectification_events -> rectifications (rectification_id));

diesel::table! {
    /// 互查组: how a campaign's mutual-review groups were formed.
    review_plans (campaign_id) {
        campaign_id -> BigInt,
        seed -> Nullable<BigInt>,
        cross_street -> Bool,
        formed_by -> Nullable<BigInt>,
        formed_at -> Timestamp,
    }
}

diesel::table! {
    review_groups (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        number -> Integer,
    }
}

diesel::table! {
    review_group_members (campaign_id, unit_id) {
        campaign_id -> BigInt,
        unit_id -> BigInt,
        group_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    /// Who reviews whom (评查关系).
    review_assignments (campaign_id, reviewer_unit_id, reviewed_unit_id) {
        campaign_id -> BigInt,
        group_id -> BigInt,
        reviewer_unit_id -> BigInt,
        reviewed_unit_id -> BigInt,
    }
}

diesel::table! {
    /// A peer unit's 互查 of an assigned unit's upload.
    peer_reviews (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        reviewer_unit_id -> BigInt,
        reviewed_unit_id -> BigInt,
        submission_id -> BigInt,
        user_id -> Nullable<BigInt>,
        note -> Text,
        total -> Integer,
        provisional -> Bool,
        overrides -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    peer_review_items (peer_review_id, item_code) {
        peer_review_id -> BigInt,
        item_code -> Text,
        position -> Integer,
        points -> Integer,
        applicable -> Bool,
    }
}
