{#- SFC2021 validation rule: no result indicator (EECR01-EECR05) exceeds the number of
    participants (EECO01), per cut-off, project (and ALL) and gender. Rows returned = breaches. -#}
{{ config(severity='error') }}

with

participants as (

    select cutoff, project_id, gender, value as eeco01
    from {{ ref('common_indicators') }}
    where indicator = 'EECO01'

)

select
    results.cutoff,
    results.project_id,
    results.gender,
    results.indicator,
    results.value,
    participants.eeco01
from {{ ref('common_indicators') }} as results
left join participants
    on participants.cutoff = results.cutoff
    and participants.project_id = results.project_id
    and participants.gender = results.gender
where results.indicator like 'EECR%'
    and (participants.eeco01 is null or results.value > participants.eeco01)
