{#- One row per survey wave and municipality registered for it (joined_on ≤ the wave's last
    day), with whether it sent an accepted checklist for the wave. A municipality answering
    but not (yet) registered, or joined after the wave, has no row: it is not counted. -#}
with

waves as (

    select * from {{ ref('int_process_waves') }}

),

municipalities as (

    select * from {{ ref('stg_esf__municipalities') }}

),

accepted as (

    select distinct
        provider_id as municipality_id,
        reporting_month as wave
    from {{ ref('stg_esf__deliveries') }}
    where extract_type = 'process_checklist'
        and status = 'accepted'

)

select
    waves.wave,
    municipalities.municipality_id,
    accepted.municipality_id is not null as has_accepted_file
from waves
inner join municipalities
    on waves.wave_end_date >= municipalities.joined_on
left join accepted
    on waves.wave = accepted.wave
        and municipalities.municipality_id = accepted.municipality_id
