{#- SFC2021 validation rule: EECO01 = EECO02 + EECO04 + EECO05 (every participant is either
    unemployed, inactive or employed), per cut-off, project (and ALL) and gender. A returned row
    is a breach and fails the build: it cannot happen with correct code, so the export stops. -#}
{{ config(severity='error') }}

select
    cutoff,
    project_id,
    gender,
    sum(value) filter (where indicator = 'EECO01') as eeco01,
    sum(value) filter (where indicator in ('EECO02', 'EECO04', 'EECO05')) as eeco02_04_05
from {{ ref('common_indicators') }}
group by cutoff, project_id, gender
having coalesce(sum(value) filter (where indicator = 'EECO01'), -1)
    <> coalesce(sum(value) filter (where indicator in ('EECO02', 'EECO04', 'EECO05')), -1)
