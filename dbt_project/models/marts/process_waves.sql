{#- Per survey wave: the municipalities registered for it, those with an accepted checklist
    and the response rate (the seed's "47 Arbeitshilfen"; docs/process-monitoring.md). -#}
with

waves as (

    select * from {{ ref('int_process_waves') }}

),

registered as (

    select * from {{ ref('int_process_municipality_waves') }}

),

counted as (

    select
        wave,
        count(*) as municipalities_registered,
        count(*) filter (where has_accepted_file) as municipalities_answering
    from registered
    group by wave

)

select
    waves.wave,
    coalesce(counted.municipalities_registered, 0) as municipalities_registered,
    coalesce(counted.municipalities_answering, 0) as municipalities_answering,
    cast(counted.municipalities_answering as double)
    / nullif(counted.municipalities_registered, 0) as response_rate
from waves
left join counted
    on waves.wave = counted.wave
