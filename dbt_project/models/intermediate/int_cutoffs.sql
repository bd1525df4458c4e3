{#- Every month from the first reporting month of any accepted file to the last reporting
    month of any DELIVERY, accepted or rejected (docs/indicators.md, cut-off rule v2): a
    rejected December file does not make the December export disappear; its figures are
    written as known, and the delivery report shows who is missing or rejected. The dashboards
    show monthly trends, SFC2021 takes June and December. -#}
with

accepted_months as (

    select
        min(reporting_month) filter (where status = 'accepted') as first_month,
        max(reporting_month) as last_month
    from {{ ref('stg_esf__deliveries') }}
    -- a process-monitoring checklist is per survey wave, not a reporting month of the
    -- participant indicators (docs/process-monitoring.md): it adds no cut-off
    where extract_type <> 'process_checklist'

),

months as (

    select cast(series.month_start as date) as cutoff_month_start
    from accepted_months,
        range(
            cast(accepted_months.first_month || '-01' as date),
            cast(accepted_months.last_month || '-01' as date) + interval 1 month,
            interval 1 month
        ) as series (month_start)

)

select
    strftime(cutoff_month_start, '%Y-%m') as cutoff,
    cutoff_month_start,
    last_day(cutoff_month_start) as cutoff_date,
    cast(cutoff_month_start - interval 11 month as date) as window_start_date,
    last_day(cutoff_month_start - interval 6 month) as minus_6_months_date,
    month(cutoff_month_start) in (6, 12) as is_sfc_cutoff,
    cutoff_month_start = max(cutoff_month_start) over () as is_latest
from months
