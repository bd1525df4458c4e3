{#- Follow-up rows with the range of cut-offs for which each is the newest known version of
    its key (project_id, participant_id): valid from its reporting month up to (excluding) the
    reporting month of the next file naming the same key. Joining on that range gives
    "followup as known at C" without copying every row to every cut-off. -#}
with

followup as (

    select * from {{ ref('stg_esf__followup') }}

),

one_row_per_file as (

    -- a key named twice in one file: the later row of the file wins (deterministic)
    select *
    from followup
    qualify row_number() over (
            partition by project_id, participant_id, reporting_month
            order by source_row desc, jobcenter_id asc
        ) = 1

)

select
    project_id,
    participant_id,
    exit_date,
    status_6m,
    benefit_receipt_6m,
    jobcenter_id,
    reporting_month as valid_from_month,
    lead(reporting_month) over (
        partition by project_id, participant_id
        order by reporting_month
    ) as valid_until_month
from one_row_per_file
