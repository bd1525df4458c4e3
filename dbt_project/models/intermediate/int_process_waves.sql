{#- The survey waves of the process monitoring (docs/process-monitoring.md): every YYYY-MM with
    at least one accepted checklist, its last day (the registry's joined_on is compared with
    it) and the wave before it that has data (the base of process_change). -#}
with

deliveries as (

    select * from {{ ref('stg_esf__deliveries') }}
    where extract_type = 'process_checklist'

),

waves as (

    select distinct reporting_month as wave
    from deliveries
    where status = 'accepted'

)

select
    wave,
    last_day(cast(wave || '-01' as date)) as wave_end_date,
    lag(wave) over (order by wave) as previous_wave
from waves
